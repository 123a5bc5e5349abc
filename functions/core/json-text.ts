import { AppError, badRequest } from './errors.js';

/**
 * How deep a request's JSON may nest (arrays and objects, the outermost counts as 1). Reports and admin
 * bodies need fewer than ten levels; the bound keeps every recursive step after parsing (String() of a
 * nested array, zod, the DynamoDB marshaller, JSON.stringify in logs) far from the call-stack limit.
 */
export const MAX_JSON_DEPTH = 64;

/** JSON.parse of a request body: 400 when the syntax is wrong, 422 when it nests deeper than MAX_JSON_DEPTH. */
export function parseJsonText(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`Body is not valid JSON: ${(error as Error).message}`);
  }
  assertJsonDepth(value);
  return value;
}

/** 422 naming where a parsed value first nests deeper than MAX_JSON_DEPTH. */
export function assertJsonDepth(value: unknown): void {
  const path = tooDeepAt(value, MAX_JSON_DEPTH);
  if (path === undefined) return;
  const where = formatPath(path);
  throw new AppError(422, 'nesting_too_deep', `The JSON nests deeper than ${MAX_JSON_DEPTH} levels of arrays/objects, at ${where}.`, { maxDepth: MAX_JSON_DEPTH, path: where });
}

/**
 * The path to the first container nested deeper than `room` levels, or undefined. JSON.parse copes with any
 * depth; this walk is the first to look at the value, and its own recursion stops at `room` frames. It visits
 * only containers, so a 100k-row report costs about a tenth of its JSON.parse (bench/ingest).
 */
function tooDeepAt(value: unknown, room: number): Array<string | number> | undefined {
  if (room === 0) return [];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (typeof child !== 'object' || child === null) continue;
      const path = tooDeepAt(child, room - 1);
      if (path) return [i, ...path];
    }
  } else {
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const child = record[key];
      if (typeof child !== 'object' || child === null) continue;
      const path = tooDeepAt(child, room - 1);
      if (path) return [key, ...path];
    }
  }
  return undefined;
}

const SHOWN_SEGMENTS = 8;

/** `$.rows[0].Name[0][0]…` — enough segments to find the spot, not all of the repeated ones. */
function formatPath(path: Array<string | number>): string {
  const segment = (part: string | number) =>
    typeof part === 'number' ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part.slice(0, 40))}]`;
  return `$${path.slice(0, SHOWN_SEGMENTS).map(segment).join('')}${path.length > SHOWN_SEGMENTS ? '…' : ''}`;
}
