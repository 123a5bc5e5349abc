import * as z from 'zod/mini';
import { ErrorBody } from '../../functions/http/responses.js';

/** An HTTP answer of the stack under test. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON, or the text when the body is not JSON; read fields through `read` or `error`. */
  body: unknown;
  /** The body as `schema` (a route's declared response schema) describes it; any other shape fails the test. */
  read: <S extends z.ZodMiniType>(schema: S) => z.output<S>;
  /** The `{error:{code,message,details?}}` of a refusal. */
  error: () => z.output<typeof ErrorBody>['error'];
}

/**
 * Checks `body` against `schema` and returns it typed. The body itself is returned, not zod's stripped copy,
 * so a test still sees every field the route sent (a leaked secret, an extra key in a toEqual).
 */
export function readAs<S extends z.ZodMiniType>(schema: S, body: unknown): z.output<S> {
  const result = z.safeParse(schema, body);
  if (!result.success) throw new Error(`the body does not have the expected shape:\n${z.prettifyError(result.error)}\nbody: ${JSON.stringify(body)}`);
  return body as z.output<S>;
}

export function answer(status: number, headers: Answer['headers'], body: unknown): Answer {
  return { status, headers, body, read: (schema) => readAs(schema, body), error: () => readAs(ErrorBody, body).error };
}
