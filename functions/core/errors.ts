/**
 * One error type for everything a caller can get wrong. `status` and `code` become the HTTP answer
 * `{error:{code,message,details}}`; anything that is not an AppError is an internal fault and is
 * answered with a fixed message (the detail goes to the log only, so secrets never leak).
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AppError';
  }

  toJSON(): { error: { code: string; message: string; details?: unknown } } {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

export const badRequest = (message: string, details?: unknown) => new AppError(400, 'bad_request', message, details);
export const unauthorized = (message = 'Missing or invalid credentials.') => new AppError(401, 'unauthorized', message);
export const notFound = (message: string) => new AppError(404, 'not_found', message);
export const conflict = (message: string, details?: unknown) => new AppError(409, 'conflict', message, details);
export const unprocessable = (code: string, message: string, details?: unknown) => new AppError(422, code, message, details);

/**
 * A target's stored credentials are gone or unreadable: deleted by hand, a wrong secret id, or not
 * {clientId, clientSecret}. No retry helps; setting them again does. The secret stores translate their own
 * failures into it; messages name the secret id, never the value or any part of it.
 */
export class CredentialsMissingError extends AppError {
  constructor(message: string) {
    super(422, 'credentials_missing', message);
    this.name = 'CredentialsMissingError';
  }
}

/** The store could not complete a write; the sender should retry (nothing partial is visible). */
export class StoreUnavailableError extends AppError {
  constructor(cause: unknown) {
    super(503, 'store_unavailable', 'Storage is temporarily unavailable; retry the request.', undefined, { cause });
    this.name = 'StoreUnavailableError';
  }
}
