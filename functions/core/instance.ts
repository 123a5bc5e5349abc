export const ENVIRONMENTS = ['production', 'staging'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** The key a report row and an admin path use to find a mapping: the instance name, trimmed and lower-cased. */
export function instanceKey(instanceName: string): string {
  return instanceName.trim().toLowerCase();
}

const NAME_SUFFIXES: ReadonlyArray<[RegExp, Environment]> = [
  [/[-_ ](production|prod)$/, 'production'],
  [/[-_ ](staging|stage|sandbox)$/, 'staging'],
];

/** What an instance's own name claims about its environment ("Slack-production"), if anything. */
export function environmentFromName(instanceName: string): Environment | undefined {
  const key = instanceKey(instanceName);
  return NAME_SUFFIXES.find(([pattern]) => pattern.test(key))?.[1];
}
