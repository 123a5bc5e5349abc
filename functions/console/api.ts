/// <reference lib="dom" />
/**
 * The console's only way out: same-origin calls to the admin API with the admin token from sessionStorage.
 * The token is never put in a URL, a cookie or localStorage; it is gone when the tab closes.
 */

const TOKEN_KEY = 'usage-cert.admin-token';

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/** An error answer of the API, `{error:{code,message,details?}}`; the message is shown to the admin verbatim. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  etag: string | null;
}

export interface CallOptions {
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as-is with `contentType` (report previews). */
  text?: string;
  contentType?: string;
  /** Version for If-Match (optimistic locking). */
  ifMatch?: number;
}

let onUnauthorized: ((code: string | undefined) => void) | undefined;
/** Called when a signed-in call answers 401 (token changed, wrong or expired): the app goes back to sign-in. */
export function whenUnauthorized(handler: (code: string | undefined) => void): void {
  onUnauthorized = handler;
}

export async function api<T>(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  } else if (options.text !== undefined) {
    body = options.text;
    headers['content-type'] = options.contentType ?? 'text/plain';
  }
  if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;

  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, credentials: 'omit', cache: 'no-store', redirect: 'error' });
  } catch (error) {
    throw new ApiError(0, 'network_error', `Could not reach the server (${(error as Error).message}). Is npm start still running?`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    if (response.status === 401 && token) onUnauthorized?.(error?.code);
    throw new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? `The server answered ${response.status} ${response.statusText}.`, error?.details);
  }
  return { status: response.status, body: parsed as T, etag: response.headers.get('etag') };
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
