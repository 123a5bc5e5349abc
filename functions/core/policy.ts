import type { Exclusions, Policy } from './mapping.js';
import { DEFAULT_COOLDOWN_DAYS } from './mapping.js';
import type { UserTable } from './user-table.js';

export interface Classification {
  /** Indexes into the user table: a user's strings are built only when a batch is. */
  inactive: number[];
  active: number;
  excluded: number;
  cooledDown: number;
  /** Rows with only Last Active while the policy has no inactiveForDays: nothing to judge them by. */
  unclassified: number;
}

export interface ClassifyContext {
  now: Date;
  globalExclude?: Exclusions;
}

const DAY_MS = 86_400_000;

export function cooldownStart(policy: Policy, now: Date): Date {
  return new Date(now.getTime() - (policy.cooldownDays ?? DEFAULT_COOLDOWN_DAYS) * DAY_MS);
}

export function classifyUsers(users: UserTable, policy: Policy, context: ClassifyContext): Classification {
  const isExcluded = exclusionTest([policy.exclude, context.globalExclude]);
  const lastActiveCutoff = policy.inactiveForDays === undefined ? undefined : new Date(context.now.getTime() - policy.inactiveForDays * DAY_MS).toISOString();
  const result: Classification = { inactive: [], active: 0, excluded: 0, cooledDown: 0, unclassified: 0 };
  for (let i = 0; i < users.size; i++) {
    const verdict = judge(users.daysActive(i), users.lastActive(i), policy, lastActiveCutoff);
    if (verdict === 'active') result.active++;
    else if (verdict === 'unknown') result.unclassified++;
    else if (isExcluded && isExcluded(users.email(i))) result.excluded++;
    else result.inactive.push(i);
  }
  return result;
}

/**
 * Take out the inactive users sent for this instance within the cooldown window. A second step, not part of
 * classifyUsers, so the store is asked about the report's inactive users only, never the instance's history.
 */
export function applyCooldown(classes: Classification, users: UserTable, recentlySent: ReadonlySet<string>): Classification {
  const inactive = recentlySent.size === 0 ? classes.inactive : classes.inactive.filter((i) => !recentlySent.has(users.email(i)));
  return { ...classes, inactive, cooledDown: classes.cooledDown + classes.inactive.length - inactive.length };
}

function judge(daysActive: number | undefined, lastActive: string | undefined, policy: Policy, lastActiveCutoff: string | undefined): 'inactive' | 'active' | 'unknown' {
  if (daysActive !== undefined && daysActive <= policy.maxDaysActive) return 'inactive';
  if (lastActiveCutoff !== undefined && lastActive !== undefined) return lastActive < lastActiveCutoff ? 'inactive' : 'active';
  return daysActive === undefined ? 'unknown' : 'active';
}

/** Undefined when nothing is excluded, so no email has to be read. */
function exclusionTest(lists: ReadonlyArray<Exclusions | undefined>): ((email: string) => boolean) | undefined {
  const emails = new Set(lists.flatMap((list) => list?.emails ?? []).map((e) => e.toLowerCase()));
  const domains = new Set(lists.flatMap((list) => list?.domains ?? []).map((d) => d.toLowerCase()));
  if (emails.size === 0 && domains.size === 0) return undefined;
  return (email) => {
    if (emails.has(email)) return true;
    const domain = email.slice(email.lastIndexOf('@') + 1);
    // A listed domain also covers its subdomains (corp.example.com covers eu.corp.example.com).
    for (let d = domain; d.includes('.'); d = d.slice(d.indexOf('.') + 1)) if (domains.has(d)) return true;
    return false;
  };
}
