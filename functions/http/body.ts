import { gunzipSync } from 'node:zlib';
import { AppError, badRequest } from '../core/errors.js';
import { parseOrThrow } from '../core/validation.js';
import { parseJsonText } from '../core/json-text.js';
import type * as z from 'zod/mini';
import type { HttpRequest } from './types.js';

export function tooLarge(limit: number): AppError {
  return new AppError(413, 'payload_too_large', `The body is larger than ${limit} bytes (${(limit / 1048576).toFixed(1)} MiB).`, { limit });
}

/** The raw body, gunzipped when the sender says so, never larger than `limit` (a zip bomb stops at the limit). */
export function decodedBody(request: HttpRequest, limit: number): Buffer {
  if (request.body.length > limit) throw tooLarge(limit);
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return request.body;
  if (encoding !== 'gzip') throw new AppError(415, 'unsupported_encoding', `Content-Encoding ${encoding} is not supported; send gzip or no encoding.`);
  // API Gateway may already have decompressed the body and passed the header on: no gzip magic, nothing to undo.
  if (request.body[0] !== 0x1f || request.body[1] !== 0x8b) return request.body;
  try {
    return gunzipSync(request.body, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) throw tooLarge(limit);
    throw badRequest('The body says Content-Encoding: gzip but is not valid gzip data.');
  }
}

export const ADMIN_BODY_LIMIT = 1024 * 1024;

/** An admin JSON body: 413 over the limit, 415 for another type, 400 for bad JSON, 422 for deep nesting or naming each bad field. */
export function jsonBody<T extends z.ZodMiniType>(request: HttpRequest, schema: T, what: string): z.infer<T> {
  const type = (request.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) throw new AppError(415, 'unsupported_media_type', `Send ${what} as application/json (got ${type}).`);
  const value = parseJsonText(decodedBody(request, ADMIN_BODY_LIMIT).toString('utf8'));
  return parseOrThrow(schema, value, what);
}
