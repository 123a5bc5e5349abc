/**
 * The one base of every error the code throws on purpose. `status` and `code` become the HTTP answer
 * `{error:{code,message,details}}` when `exposed`; anything else (an InternalError or a foreign error) is an
 * internal fault and is answered with a fixed message (the detail goes to the log only, so secrets never leak).
 */
export class AppError extends Error {
  // Spelled out per class: minified bundles rename classes, and the name is what the logs show.
  override name = 'AppError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** Whether the message is written for the caller (see InternalError). */
  get exposed(): boolean {
    return true;
  }

  toJSON(): { error: { code: string; message: string; details?: unknown } } {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

/** The request is malformed or fails validation (400 unless the check says otherwise, e.g. 422 for a body). */
export class ValidationError extends AppError {
  override name = 'ValidationError';

  constructor(message: string, details?: unknown, code = 'bad_request', status = 400) {
    super(status, code, message, details);
  }
}

export class UnauthorizedError extends AppError {
  override name = 'UnauthorizedError';

  constructor(message = 'Missing or invalid credentials.') {
    super(401, 'unauthorized', message);
  }
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError';

  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class ConflictError extends AppError {
  override name = 'ConflictError';

  constructor(message: string, details?: unknown, code = 'conflict') {
    super(409, code, message, details);
  }
}

/** Well-formed but unusable as asked: the code names why. */
export class UnprocessableError extends AppError {
  override name = 'UnprocessableError';

  constructor(code: string, message: string, details?: unknown, options?: ErrorOptions) {
    super(422, code, message, details, options);
  }
}

export const badRequest = (message: string, details?: unknown) => new ValidationError(message, details);
export const unauthorized = (message?: string) => new UnauthorizedError(message);
export const notFound = (message: string) => new NotFoundError(message);
export const conflict = (message: string, details?: unknown) => new ConflictError(message, details);
export const unprocessable = (code: string, message: string, details?: unknown) => new UnprocessableError(code, message, details);

/**
 * A target's stored credentials are gone or unreadable: deleted by hand, a wrong secret id, or not
 * {clientId, clientSecret}. No retry helps; setting them again does. The secret stores translate their own
 * failures into it; messages name the secret id, never the value or any part of it.
 */
export class CredentialsMissingError extends UnprocessableError {
  override name = 'CredentialsMissingError';

  constructor(message: string, options?: ErrorOptions) {
    super('credentials_missing', message, undefined, options);
  }
}

/** A store (table or secrets) could not complete a call; the sender should retry (nothing partial is visible). */
export class StoreUnavailableError extends AppError {
  override name = 'StoreUnavailableError';

  constructor(cause: unknown, message = 'Storage is temporarily unavailable; retry the request.') {
    super(503, 'store_unavailable', message, undefined, { cause });
  }
}

/**
 * A fault the caller cannot act on, thrown on purpose so code can tell it apart (retry, hints, exit codes). It
 * is answered as a plain 500 with the detail in the log only, like any foreign error.
 */
export class InternalError extends AppError {
  override name = 'InternalError';

  constructor(code: string, message: string, details?: unknown, options?: ErrorOptions) {
    super(500, code, message, details, options);
  }

  override get exposed(): boolean {
    return false;
  }
}

/** The runtime's configuration (environment) is invalid: the process cannot start. */
export class ConfigError extends InternalError {
  override name = 'ConfigError';

  constructor(message: string) {
    super('config_invalid', message);
  }
}

export type IscErrorCode =
  | 'isc_rate_limited'
  | 'isc_unavailable'
  | 'isc_timeout'
  | 'isc_bad_response'
  | 'isc_credentials_rejected'
  | 'isc_request_rejected'
  | 'workflow_not_executed'
  | 'campaign_not_ready'
  | 'campaign_failed';

export interface IscErrorDetails {
  status?: number;
  retryAfterMs?: number;
  isc?: unknown;
  hints?: string[];
}

/**
 * An ISC call failed. `retryable` decides between backoff and FAILED; `retryAfterMs` comes from a 429. Routes
 * that call ISC translate it into their own answer; one that escapes is an internal fault.
 */
export class IscError extends InternalError {
  override name = 'IscError';

  declare readonly code: IscErrorCode;
  declare readonly details: IscErrorDetails;

  constructor(code: IscErrorCode, message: string, readonly retryable: boolean, details: IscErrorDetails = {}, options?: ErrorOptions) {
    super(code, message, details, options);
  }
}
