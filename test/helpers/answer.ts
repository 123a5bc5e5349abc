import * as z from 'zod/mini';
import { ErrorBody } from '../../functions/http/responses.js';

/** A refusal's `{code,message,details}`; `details` as the schema a test passed to `error` describes it. */
export interface ErrorAnswer<D = unknown> {
  code: string;
  message: string;
  details: D;
}

/** An HTTP answer of the stack under test. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON, or the text when the body is not JSON; read fields through `read` or `error`. */
  body: unknown;
  /** The body as `schema` (a route's declared response schema) describes it; any other shape fails the test. */
  read: <S extends z.ZodMiniType>(schema: S) => z.output<S>;
  /** The `{error:{code,message,details?}}` of a refusal; pass a schema to read into `details`. */
  error: <D extends z.ZodMiniType = z.ZodMiniUnknown>(details?: D) => ErrorAnswer<z.output<D>>;
}

/** `details` of a `validation_failed` refusal: one entry per failing field (core/validation.ts). */
export const ValidationIssues = z.object({ issues: z.array(z.object({ field: z.string(), message: z.string() })) });

/**
 * Checks `value` (an answer's body, a template resource, a recorded request) against `schema` and returns it
 * typed. The value itself is returned, not zod's stripped copy, so a test still sees every field that was sent
 * (a leaked secret, an extra key in a toEqual).
 */
export function readAs<S extends z.ZodMiniType>(schema: S, value: unknown): z.output<S> {
  const result = z.safeParse(schema, value);
  if (!result.success) throw new Error(`not the expected shape:\n${z.prettifyError(result.error)}\nvalue: ${JSON.stringify(value)}`);
  return value as z.output<S>;
}


function readError<D extends z.ZodMiniType>(body: unknown, details?: D): ErrorAnswer<z.output<D>> {
  const schema = details ? z.object({ error: z.object({ ...ErrorBody.shape.error.shape, details }) }) : ErrorBody;
  return readAs(schema, body).error as ErrorAnswer<z.output<D>>;
}

export function answer(status: number, headers: Answer['headers'], body: unknown): Answer {
  return { status, headers, body, read: (schema) => readAs(schema, body), error: (details) => readError(body, details) };
}
