import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { AppError } from './errors.js';

// zod/mini ships without messages; the English locale adds ~10 KiB and gives admins readable reasons.
z.config(en());

export interface FieldIssue {
  field: string;
  message: string;
}

export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): FieldIssue[] {
  return issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => [path, k].filter(Boolean).join('.'));
      return { field: keys.join(', '), message: `unknown field${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}` };
    }
    return { field: path || '(body)', message: issue.message };
  });
}

/** Parse or throw a 4xx naming each bad field (422 by default: the syntax was fine, the content was not). */
export function parseOrThrow<T extends z.ZodMiniType>(schema: T, value: unknown, what: string, status = 422): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = describeIssues(result.error.issues);
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  throw new AppError(status, 'validation_failed', `Invalid ${what}: ${summary}`, { issues });
}
