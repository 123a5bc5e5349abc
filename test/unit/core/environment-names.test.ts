/** Pure core: what instance and tenant names say about their environment, and the tenant a token proves. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NON_PRODUCTION_WORDS, DEFAULT_PRODUCTION_WORDS, DEFAULT_VOCABULARY, classifyName, type NameKind } from '../../../functions/core/environment-names.js';
import { classifyTenant, targetEnvironmentProblems, tenantProblems } from '../../../functions/core/tenant-environment.js';
import { environmentProblems, instanceNameCheck } from '../../../functions/core/mapping.js';
import { environmentVocabulary, loadConfig } from '../../../functions/adapters/config.js';

const P: NameKind = 'production';
const N: NameKind = 'non-production';
const A: NameKind = 'ambiguous';
const O: NameKind = 'neutral';

/** [instance name, kind, production words, non-production words, application (when the rule needs it)] */
const NAMES: Array<[string, NameKind, string[], string[], string?]> = [
  // Contradicting names the one-regex rule let through (issue 16), and their production twins.
  ['Slack (Staging)', N, [], ['Staging']],
  ['Slack-staging-eu', N, [], ['staging']],
  ['Slack-preprod', N, [], ['preprod']],
  ['Slack-UAT', N, [], ['UAT']],
  ['Slack (Production)', P, ['Production'], []],
  ['Slack-prod-eu', P, ['prod'], []],
  ['Slack-production', P, ['production'], []],
  ['Slack_PROD', P, ['PROD'], []],
  ['slack prd', P, ['prd'], []],
  ['Zoom Live', P, ['Live'], []],
  // Any separator: Unicode dashes and spaces, brackets, slashes, dots.
  ['Salesforce – Sandbox', N, [], ['Sandbox']],
  ['Salesforce—UAT', N, [], ['UAT']],
  ['Workday\u2011stg', N, [], ['stg']],
  ['Jira\u00a0QA', N, [], ['QA']],
  ['Box\u3000Dev', N, [], ['Dev']],
  ['GitHub [test]', N, [], ['test']],
  ['Okta {preview}', N, [], ['preview']],
  ['ServiceNow 【DEV】', N, [], ['DEV']],
  ['Slack<prod>', P, ['prod'], []],
  ['Slack/prod', P, ['prod'], []],
  ['slack.prod.eu', P, ['prod'], []],
  ['Ｓｌａｃｋ－ＰＲＯＤ', P, ['PROD'], []],
  // Camel case: the last word of a glued name counts.
  ['SlackProd', P, ['Prod'], []],
  ['SlackStaging', N, [], ['Staging']],
  ['JiraUAT', N, [], ['UAT']],
  ['zoomDev', N, [], ['Dev']],
  // Digits separate words.
  ['Slack-prod2', P, ['prod'], []],
  ['Workday stg01', N, [], ['stg']],
  ['Office365 PRD', P, ['PRD'], []],
  ['Slack2Prod', P, ['Prod'], []],
  // pre-/non- + a production word is non-production, however it is written.
  ['Slack pre-prod', N, [], ['pre-prod']],
  ['Slack Pre Production', N, [], ['Pre Production']],
  ['SlackPreProd', N, [], ['PreProd']],
  ['Slack non-prod', N, [], ['non-prod']],
  ['Slack NonProduction', N, [], ['NonProduction']],
  ['Slack-nonprod', N, [], ['nonprod']],
  ['Slack-pre-live', N, [], ['pre-live']],
  // The rest of the non-production vocabulary.
  ['Salesforce SIT', N, [], ['SIT']],
  ['Zendesk Sandbox 2', N, [], ['Sandbox']],
  ['Coupa Training', N, [], ['Training']],
  ['Asana Trial', N, [], ['Trial']],
  ['Miro Demo', N, [], ['Demo']],
  ['Snowflake POC', N, [], ['POC']],
  ['Workday sbx', N, [], ['sbx']],
  ['Slack-tst', N, [], ['tst']],
  ['Slack-Testing', N, [], ['Testing']],
  ['Slack Development', N, [], ['Development']],
  ['Slack Acceptance', N, [], ['Acceptance']],
  ['acme-sb', N, [], ['sb']],
  // Both kinds: ambiguous.
  ['Slack prod/uat', A, ['prod'], ['uat']],
  ['Slack Production (Test copy)', A, ['Production'], ['Test']],
  ['Slack-live-demo', A, ['live'], ['demo']],
  ['SlackProd Sandbox', A, ['Prod'], ['Sandbox']],
  // Neutral names.
  ['Slack', O, [], []],
  ['Slack EU', O, [], []],
  ['Slack Enterprise Grid', O, [], []],
  ['Acme Corp Zoom 2', O, [], []],
  ['Microsoft 365 E5', O, [], []],
  ['Azure DevOps', O, [], []],
  ['slackprod', O, [], []],
  // Look-alike app names: the letters, not the word.
  ['Prodigy', O, [], []],
  ['Testmo', O, [], []],
  ['Livestorm', O, [], []],
  ['Stagetimer', O, [], []],
  ['DevRev', O, [], []],
  ['TestRail', O, [], []],
  ['LiveChat', O, [], []],
  ['ProdPad', O, [], []],
  ['Productboard', O, [], []],
  ['Stagehand', O, [], []],
  ['Devpost', O, [], []],
  ['Livestorm – EU', O, [], []],
  // Look-alikes with real environment words.
  ['DevRev-prod', P, ['prod'], []],
  ['Prodigy (Staging)', N, [], ['Staging']],
  ['TestRail Production', P, ['Production'], []],
  ['Livestorm-UAT', N, [], ['UAT']],
  ['Stagetimer prod', P, ['prod'], []],
  // App names made of environment words are skipped when the application is known.
  ['QA Wolf', O, [], [], 'QA Wolf'],
  ['QA Wolf - prod', P, ['prod'], [], 'QA Wolf'],
  ['LambdaTest', O, [], [], 'LambdaTest'],
  ['LambdaTest', N, [], ['Test']],
  ['GoTo Stage (production)', P, ['production'], [], 'GoTo Stage'],
  ['Test IO staging', N, [], ['staging'], 'Test IO'],
];

describe('Function: classifyName', () => {
  it(`has a table of at least 60 names (${NAMES.length})`, () => {
    expect(NAMES.length).toBeGreaterThanOrEqual(60);
  });

  it.each(NAMES)('%s → %s %j %j (application %s)', (name, kind, production, nonProduction, application) => {
    expect(classifyName(name, { application })).toEqual({ kind, production, nonProduction });
  });

  it('reads words a deployment adds, validated from the environment', () => {
    const vocabulary = environmentVocabulary(loadConfig({ PRODUCTION_WORDS: 'Main, prodn', NON_PRODUCTION_WORDS: 'cert' }));
    expect(classifyName('Slack main', { vocabulary }).kind).toBe('production');
    expect(classifyName('Slack-CERT', { vocabulary }).nonProduction).toEqual(['CERT']);
    expect(classifyName('Slack main').kind).toBe('neutral');
    expect(() => loadConfig({ NON_PRODUCTION_WORDS: 'prod' })).toThrow(/NON_PRODUCTION_WORDS.*other environment kind/);
    expect(() => loadConfig({ PRODUCTION_WORDS: 'qa1' })).toThrow(/PRODUCTION_WORDS.*letters/);
  });
});

describe('Property: an environment word joined to an app name', () => {
  const cases = (word: string) => [word.toLowerCase(), word.toUpperCase(), word[0]!.toUpperCase() + word.slice(1)];
  const separator = fc.array(fc.constantFrom(' ', '-', '_', '.', '/', '|', ':', '(', ')', '[', ']', '{', '}', '<', '>', '\u2013', '\u2014', '\u2011', '\u2212', '\u00a0', '\u3000', '\t', '【', '】', '・'), { minLength: 1, maxLength: 3 }).map((chars) => chars.join(''));
  const lookAlikes = ['Slack', 'Prodigy', 'Testmo', 'Livestorm', 'Stagetimer', 'DevRev', 'TestRail', 'LiveChat', 'ProdPad', 'Productboard', 'Azure DevOps', 'Microsoft 365', 'Office365', 'HubSpotCRM', 'Google Workspace', 'monday.com'];
  const vocabularyWord = (w: string) => DEFAULT_VOCABULARY.production.has(w) || DEFAULT_VOCABULARY.nonProduction.has(w) || w === 'pre' || w === 'non';
  const invented = fc.stringMatching(/^[A-Z][a-z]{2,9}$/).filter((w) => !vocabularyWord(w.toLowerCase()));
  const appName = fc.oneof(fc.constantFrom(...lookAlikes), invented);
  /** "Slack - prod", "prod – Slack", "SlackProd". */
  const joined = (words: readonly string[]) =>
    fc.tuple(appName, fc.constantFrom(...words).chain((w) => fc.constantFrom(...cases(w))), separator, fc.constantFrom('after', 'before', 'camel')).map(([app, word, sep, place]) =>
      place === 'after' ? `${app}${sep}${word}` : place === 'before' ? `${word}${sep}${app}` : `${app}${word[0]!.toUpperCase()}${word.slice(1).toLowerCase()}`,
    );

  it('any production word makes it production', () => {
    fc.assert(fc.property(joined(DEFAULT_PRODUCTION_WORDS), (name) => classifyName(name).kind === 'production'), { numRuns: 500 });
  });

  it('any non-production word makes it non-production', () => {
    fc.assert(fc.property(joined(DEFAULT_NON_PRODUCTION_WORDS), (name) => classifyName(name).kind === 'non-production'), { numRuns: 500 });
  });

  it('an app whose own name holds environment words is read without them when the application is given', () => {
    const apps = ['QA Wolf', 'Test IO', 'GoTo Stage', 'LambdaTest', 'Live Agent', 'Sandbox VR', 'Demo Desk'];
    fc.assert(
      fc.property(fc.constantFrom(...apps), fc.constantFrom(...DEFAULT_PRODUCTION_WORDS), separator, (app, word, sep) => classifyName(`${app}${sep}${word}`, { application: app }).kind === 'production'),
      { numRuns: 300 },
    );
  });
});

describe('Function: environmentProblems / instanceNameCheck (mappings)', () => {
  const prod = { id: 'prod', environment: 'production' as const };
  const mapping = (instance: string, environment: 'production' | 'staging', allowNameMismatch?: boolean) => ({ application: 'Slack', instance, environment, allowNameMismatch });

  it('accepts a production instance on a production target, and a neutral name', () => {
    expect(environmentProblems(mapping('Slack-production', 'production'), prod)).toEqual([]);
    expect(environmentProblems(mapping('Slack', 'production'), prod)).toEqual([]);
  });
  it('names the words of a contradicting instance', () => {
    expect(environmentProblems(mapping('Slack (Staging)', 'production'), prod)).toEqual([
      'instance "Slack (Staging)" is named like a non-production instance (non-production word "Staging") but the mapping says production (set allowNameMismatch with a mismatchReason if this is intended)',
    ]);
  });
  it('refuses an ambiguous name in either environment, naming both kinds of words', () => {
    const [problem] = environmentProblems(mapping('Slack prod/uat', 'production'), prod);
    expect(problem).toContain('has both production and non-production words (production word "prod"; non-production word "uat")');
    expect(environmentProblems(mapping('Slack prod/uat', 'staging'), { id: 's', environment: 'staging' })).toHaveLength(1);
  });
  it('names a mapping whose target is in the other environment', () => {
    expect(environmentProblems(mapping('Slack', 'staging'), prod)).toEqual(['target "prod" is a production tenant but the mapping says staging']);
  });
  it('lets allowNameMismatch waive the name rule but never the target rule, and says it was confirmed', () => {
    expect(environmentProblems(mapping('Slack-staging', 'production', true), prod)).toEqual([]);
    expect(environmentProblems(mapping('Slack-staging', 'staging', true), prod)).toHaveLength(1);
    expect(instanceNameCheck(mapping('Slack-staging', 'production', true))).toMatchObject({ kind: 'non-production', status: 'confirmed' });
    expect(instanceNameCheck(mapping('Slack-staging', 'staging'))).toMatchObject({ status: 'consistent' });
    expect(instanceNameCheck(mapping('Slack-staging', 'production'))).toMatchObject({ status: 'mismatch', nonProduction: ['staging'] });
  });
});

describe('Function: classifyTenant / targetEnvironmentProblems (targets)', () => {
  it.each([
    ['acme-sb', N],
    ['acme-sb.identitynow.com', N],
    ['ACME-SB.api.identitynow.com', N],
    ['acme', O],
    ['acme.identitynow.com', O],
    ['acme-prod', P],
    ['iam.acme-sandbox.com', N],
  ] as const)('tenant %s is %s', (tenant, kind) => {
    expect(classifyTenant(tenant).kind).toBe(kind);
  });

  it('refuses a production target on a sandbox-named tenant unless confirmed', () => {
    expect(targetEnvironmentProblems({ tenant: 'acme-sb', environment: 'production' })).toEqual([
      'tenant "acme-sb" is named like a non-production tenant (non-production word "sb") but the target says production (set allowNameMismatch with a mismatchReason if this is intended)',
    ]);
    expect(targetEnvironmentProblems({ tenant: 'acme-sb', environment: 'production', allowNameMismatch: true })).toEqual([]);
    expect(targetEnvironmentProblems({ tenant: 'acme-sb', environment: 'staging' })).toEqual([]);
    expect(targetEnvironmentProblems({ tenant: 'acme', environment: 'production' })).toEqual([]);
  });
});

describe('Function: tenantProblems (the runtime guard)', () => {
  const target = (tenant: string, environment: 'production' | 'staging', allowNameMismatch?: boolean) => ({ id: 't', tenant, environment, allowNameMismatch });
  const token = (org: string | undefined) => ({ org, from: 'token' as const });

  it.each([
    ['acme', 'production', 'acme'],
    ['acme-sb', 'staging', 'acme-sb'],
    ['iga-sb', 'staging', 'iga-acme-sb'], // a host label that differs from the org name (reported publicly)
    ['acme.api.identitynow.com', 'production', 'ACME'],
    ['iam.acme.com', 'production', 'acme'], // vanity host: the environment rule only
  ] as const)('target tenant %s (%s) accepts org %s', (tenant, environment, org) => {
    expect(tenantProblems(target(tenant, environment), token(org))).toEqual([]);
  });

  it.each([
    ['acme', 'production', 'acme-sb', /org "acme-sb", named like a non-production tenant \(non-production word "sb"\), but target "t" is production/],
    ['acme', 'staging', 'acme-prod', /named like a production tenant/],
    ['acme-sb', 'staging', 'acme', /tenant "acme-sb" is named like a non-production tenant but the token’s org claim says org "acme"/],
    ['acme', 'production', 'globex', /org "globex", which is not tenant "acme"/],
    ['acme-eu', 'production', 'acme-us', /which is not tenant "acme-eu"/],
    ['iam.acme.com', 'production', 'acme-sb', /named like a non-production tenant/],
    ['acme', 'production', 'acme-prod-sandbox', /named like an ambiguous tenant/],
  ] as const)('target tenant %s (%s) refuses org %s', (tenant, environment, org, message) => {
    const problems = tenantProblems(target(tenant, environment), token(org));
    expect(problems.join('; ')).toMatch(message);
  });

  it('refuses when nothing names the tenant', () => {
    expect(tenantProblems(target('acme', 'production'), { from: 'oauth-info' })).toEqual(['neither the token (no org claim) nor /oauth/info names the tenant, so it cannot be proven to be "acme"']);
  });

  it('honours a target confirmed despite its name only for that very org', () => {
    expect(tenantProblems(target('acme-test', 'production', true), token('acme-test'))).toEqual([]);
    expect(tenantProblems(target('acme-test', 'production', true), token('acme-sb'))).toHaveLength(1);
    expect(tenantProblems(target('acme-test', 'production'), token('acme-test'))).toHaveLength(1);
  });
});
