import type { Exclusions, Policy } from './mapping.js';
import { DEFAULT_COOLDOWN_DAYS } from './mapping.js';
import type { UserUsage } from './rows.js';

export interface Classification {
  inactive: UserUsage[];
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

export function classifyUsers(users: Iterable<UserUsage>, policy: Policy, context: ClassifyContext): Classification {
  const isExcluded = exclusionTest([policy.exclude, context.globalExclude]);
  const lastActiveCutoff = policy.inactiveForDays === undefined ? undefined : new Date(context.now.getTime() - policy.inactiveForDays * DAY_MS).toISOString();
  const result: Classification = { inactive: [], active: 0, excluded: 0, cooledDown: 0, unclassified: 0 };
  for (const user of users) {
    const verdict = judge(user, policy, lastActiveCutoff);
    if (verdict === 'active') result.active++;
    else if (verdict === 'unknown') result.unclassified++;
    else if (isExcluded(user.email)) result.excluded++;
    else result.inactive.push(user);
  }
  return result;
}

/**
 * Take out the inactive users sent for this instance within the cooldown window. A second step, not part of
 * classifyUsers, so the store is asked about the report's inactive users only, never the instance's history.
 */
export function applyCooldown(classes: Classification, recentlySent: ReadonlySet<string>): Classification {
  const inactive = classes.inactive.filter((user) => !recentlySent.has(user.email));
  return { ...classes, inactive, cooledDown: classes.cooledDown + classes.inactive.length - inactive.length };
}

function judge(user: UserUsage, policy: Policy, lastActiveCutoff: string | undefined): 'inactive' | 'active' | 'unknown' {
  if (user.daysActive !== undefined && user.daysActive <= policy.maxDaysActive) return 'inactive';
  if (lastActiveCutoff !== undefined && user.lastActive !== undefined) return user.lastActive < lastActiveCutoff ? 'inactive' : 'active';
  return user.daysActive === undefined ? 'unknown' : 'active';
}

function exclusionTest(lists: ReadonlyArray<Exclusions | undefined>): (email: string) => boolean {
  const emails = new Set(lists.flatMap((list) => list?.emails ?? []).map((e) => e.toLowerCase()));
  const domains = new Set(lists.flatMap((list) => list?.domains ?? []).map((d) => d.toLowerCase()));
  return (email) => {
    if (emails.has(email)) return true;
    const domain = email.slice(email.lastIndexOf('@') + 1);
    // A listed domain also covers its subdomains (corp.example.com covers eu.corp.example.com).
    for (let d = domain; d.includes('.'); d = d.slice(d.indexOf('.') + 1)) if (domains.has(d)) return true;
    return false;
  };
}
