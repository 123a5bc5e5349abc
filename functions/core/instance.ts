export const ENVIRONMENTS = ['production', 'staging'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** The key a report row and an admin path use to find a mapping: the instance name, trimmed and lower-cased. */
export function instanceKey(instanceName: string): string {
  return instanceName.trim().toLowerCase();
}
