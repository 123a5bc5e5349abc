import type { Environment } from './instance.js';

/**
 * What a name (an app instance, an ISC tenant) says about its environment, read the way admins write names:
 * "Slack (Staging)", "Slack–prod–eu", "SlackUAT", "slack_pre-prod2", "acme-sb".
 *
 * Vocabularies (data; a deployment adds words with PRODUCTION_WORDS / NON_PRODUCTION_WORDS). Sources:
 * - SailPoint ISC: sandbox tenants are named `{tenant}-sb` (acme-sb.identitynow.com); SailPoint SaaS Management's
 *   own guidance: "map staging and production environments correctly".
 * - DTAP / ITIL 4 release and deployment practice: development, test, (user) acceptance, staging / pre-production,
 *   production; SIT (system integration test), UAT, QA, training environments.
 * - Cloud naming conventions: Microsoft Cloud Adoption Framework resource naming (prod, dev, qa, stage, test),
 *   AWS tagging guidance (prod, staging, dev, test, sandbox), and the common short forms prd, stg, tst, sbx, dev.
 * - SaaS vendors' non-production tenants: Salesforce sandboxes (sandbox, UAT, QA, dev, scratch orgs), Okta
 *   preview orgs (oktapreview.com), vendor demo, trial, evaluation and proof-of-concept (poc, pov) tenants.
 */
export const DEFAULT_PRODUCTION_WORDS = ['production', 'prod', 'prd', 'live'] as const;
export const DEFAULT_NON_PRODUCTION_WORDS = [
  'staging', 'stage', 'stg', 'sandbox', 'sbx', 'sb', 'test', 'testing', 'tst', 'uat', 'qa', 'sit', 'dev', 'develop', 'development',
  'preprod', 'preproduction', 'prelive', 'nonprod', 'nonproduction', 'nonlive', 'acceptance', 'training', 'preview',
  'demo', 'trial', 'eval', 'evaluation', 'poc', 'pov', 'scratch',
] as const;
/** "pre-prod", "Non Production", "PreProd": these glued to a production word name a non-production environment. */
const COMPOUND_PREFIXES = new Set(['pre', 'non']);

export interface EnvironmentVocabulary {
  production: ReadonlySet<string>;
  nonProduction: ReadonlySet<string>;
}

export const DEFAULT_VOCABULARY: EnvironmentVocabulary = vocabulary();

/** The default vocabularies plus a deployment's own words (lower-case letters and digits, already validated). */
export function vocabulary(extra: { production?: readonly string[]; nonProduction?: readonly string[] } = {}): EnvironmentVocabulary {
  return {
    production: new Set([...DEFAULT_PRODUCTION_WORDS, ...(extra.production ?? [])]),
    nonProduction: new Set([...DEFAULT_NON_PRODUCTION_WORDS, ...(extra.nonProduction ?? [])]),
  };
}

export type NameKind = 'production' | 'non-production' | 'ambiguous' | 'neutral';

export interface NameClassification {
  kind: NameKind;
  /** The words found, as written in the name ("Prod", "pre-prod"). */
  production: string[];
  nonProduction: string[];
}

interface Word {
  lower: string;
  start: number;
  end: number;
  token: number;
  /** Counts as an environment word: a token of its own, or the last word of a camel-case token ("SlackProd"). */
  counts: boolean;
}

/**
 * Classify a name. Words are split at any character that is not a letter or digit (Unicode dashes, spaces,
 * brackets, dots, underscores), at camel case and at digits. A token that is an environment word counts; in a
 * camel-case token only its last word counts ("SlackUAT"), because app names start with such words (DevRev,
 * TestRail, LiveChat). Words inside a longer word never count (Prodigy, Testmo, Livestorm, Stagetimer).
 * With `application`, the app's own name is skipped first ("QA Wolf-prod" for the app "QA Wolf").
 */
export function classifyName(name: string, options: { application?: string; vocabulary?: EnvironmentVocabulary } = {}): NameClassification {
  const vocab = options.vocabulary ?? DEFAULT_VOCABULARY;
  const text = name.normalize('NFKC');
  const production: string[] = [];
  const nonProduction: string[] = [];
  for (const word of words(text, options.application, vocab)) {
    if (!word.counts) continue;
    if (vocab.production.has(word.lower)) production.push(text.slice(word.start, word.end));
    else if (vocab.nonProduction.has(word.lower)) nonProduction.push(text.slice(word.start, word.end));
  }
  const kind: NameKind = production.length > 0 ? (nonProduction.length > 0 ? 'ambiguous' : 'production') : nonProduction.length > 0 ? 'non-production' : 'neutral';
  return { kind, production, nonProduction };
}

function words(text: string, application: string | undefined, vocab: EnvironmentVocabulary): Word[] {
  const tokens = [...text.matchAll(/[\p{L}\p{N}]+/gu)];
  const skipped = application === undefined ? new Set<number>() : applicationTokens(tokens.map((t) => t[0].toLowerCase()), application);
  const found: Word[] = [];
  tokens.forEach((token, t) => {
    if (skipped.has(t)) return;
    // Digits separate words ("prod2") but are never the word that counts.
    const letters = [...token[0].matchAll(/\p{Lu}+(?!\p{Ll})|\p{Lu}?\p{Ll}+|\p{N}+|\p{L}+/gu)].filter((part) => !/^\p{N}/u.test(part[0]));
    for (const part of letters) {
      const start = token.index + part.index;
      found.push({ lower: part[0].toLowerCase(), start, end: start + part[0].length, token: t, counts: letters.length === 1 || part === letters.at(-1) });
    }
  });
  return mergeCompounds(found, vocab);
}

/** "pre" or "non" followed by a production word is one non-production word: pre-prod, Non Production, PreProd. */
function mergeCompounds(words: Word[], vocab: EnvironmentVocabulary): Word[] {
  const merged: Word[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const next = words[i + 1];
    if (next && COMPOUND_PREFIXES.has(word.lower) && vocab.production.has(next.lower) && (word.token === next.token || word.counts)) {
      merged.push({ lower: 'nonprod', start: word.start, end: next.end, token: next.token, counts: next.counts });
      i++;
    } else merged.push(word);
  }
  return merged;
}

/** Indexes of the instance's tokens that spell the application's name (every occurrence). */
function applicationTokens(tokens: string[], application: string): Set<number> {
  const app = [...application.normalize('NFKC').toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)].map((m) => m[0]);
  const skipped = new Set<number>();
  if (app.length === 0) return skipped;
  for (let i = 0; i + app.length <= tokens.length; i++) {
    if (app.every((word, j) => tokens[i + j] === word)) for (let j = 0; j < app.length; j++) skipped.add(i + j);
  }
  return skipped;
}

/** The environment a classification points to; undefined when neutral or ambiguous. */
export function namedEnvironment(classification: NameClassification): Environment | undefined {
  return classification.kind === 'production' ? 'production' : classification.kind === 'non-production' ? 'staging' : undefined;
}

/** Whether a name's words contradict an environment: words of the other kind, or of both kinds. */
export function contradicts(classification: NameClassification, environment: Environment): boolean {
  return classification.kind === 'ambiguous' || (namedEnvironment(classification) ?? environment) !== environment;
}

/** 'production words "Prod"; non-production words "UAT"', for messages. */
export function describeWords(classification: NameClassification): string {
  const list = (words: string[]) => words.map((w) => `"${w}"`).join(', ');
  return [
    classification.production.length > 0 ? `production word${classification.production.length > 1 ? 's' : ''} ${list(classification.production)}` : '',
    classification.nonProduction.length > 0 ? `non-production word${classification.nonProduction.length > 1 ? 's' : ''} ${list(classification.nonProduction)}` : '',
  ].filter(Boolean).join('; ') || 'no environment words';
}

/** The words that name the organisation rather than the environment: "iga-acme-sb" → iga, acme. */
export function identifyingWords(name: string, vocab: EnvironmentVocabulary = DEFAULT_VOCABULARY): Set<string> {
  const all = [...name.normalize('NFKC').toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)].map((m) => m[0]);
  return new Set(all.filter((word) => !vocab.production.has(word) && !vocab.nonProduction.has(word) && !COMPOUND_PREFIXES.has(word)));
}
