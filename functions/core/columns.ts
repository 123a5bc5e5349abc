/** Report fields we understand, and the column names SaaS Management (or an admin) may give them. */
export const ROW_FIELDS = ['name', 'email', 'daysActive', 'lastActive', 'application', 'instance', 'instanceId'] as const;
export type RowField = (typeof ROW_FIELDS)[number];

const ALIASES: Record<RowField, string[]> = {
  name: ['name', 'full name', 'display name', 'user name', 'username'],
  email: ['email', 'email address', 'user email', 'e-mail', 'mail'],
  daysActive: ['days active', 'daysActive', 'active days', 'days_active'],
  lastActive: ['last active', 'last activity', 'last login', 'last active date', 'last used'],
  application: ['application', 'app', 'app name', 'application name'],
  instance: ['instance', 'instance name', 'integration instance', 'app instance'],
  instanceId: ['instance id', 'integration instance id'],
};

/** Case-, space- and punctuation-insensitive form of a column name. */
export function normalizeColumn(column: string): string {
  return column.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const BY_NORMALIZED = new Map<string, RowField>(
  ROW_FIELDS.flatMap((field) => ALIASES[field].map((alias) => [normalizeColumn(alias), field] as const)),
);

/** Which field a column feeds, honouring per-report extra aliases (normalized name → field). */
export function fieldForColumn(column: string, extraAliases?: ReadonlyMap<string, RowField>): RowField | undefined {
  const normalized = normalizeColumn(column);
  return extraAliases?.get(normalized) ?? BY_NORMALIZED.get(normalized);
}
