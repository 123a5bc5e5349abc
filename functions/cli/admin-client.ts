import { request } from 'undici';

export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

export interface ApiResponse {
  status: number;
  etag?: string;
  body: any;
}

/** A thin client for the admin API. Errors come back as the API's own words, never a stack trace. */
export class AdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 30_000,
  ) {}

  async call(method: string, path: string, options: { json?: unknown; raw?: string; contentType?: string; headers?: Record<string, string>; expect?: number[] } = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, ...options.headers };
    let body: string | undefined = options.raw;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.contentType) headers['content-type'] = options.contentType;
    let response;
    try {
      response = await request(new URL(path, this.baseUrl), { method: method as 'GET', headers, body, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
    } catch (error) {
      throw new CliError(`Cannot reach the admin API at ${this.baseUrl}: ${(error as Error).message}. Is the stack running (npm start) and --url right?`);
    }
    const text = await response.body.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // keep text
    }
    const result: ApiResponse = { status: response.statusCode, etag: response.headers.etag as string | undefined, body: parsed };
    if ((options.expect ?? [200, 201, 202]).includes(result.status)) return result;
    throw new CliError(describeFailure(method, path, result));
  }
}

function describeFailure(method: string, path: string, response: ApiResponse): string {
  const error = response.body?.error;
  if (!error) return `${method} ${path} failed with HTTP ${response.status}.`;
  const issues: Array<{ field: string; message: string }> = error.details?.issues ?? [];
  const lines = issues.length > 0 ? issues.map((i) => `  - ${i.field}: ${i.message}`) : [];
  return [`${error.message} (HTTP ${response.status}, ${error.code})`, ...lines].join('\n');
}
