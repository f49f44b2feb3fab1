import { NotAuthenticatedError, PermissionDeniedError } from '../auth/errors.js';

/**
 * Failures of the HTTP layer itself (a query parameter, a body too large, a login brake). Route code
 * throws these; the domain's own errors are plain classes of their parts. The one error middleware
 * (error-middleware.ts) turns both into the envelope with `error: {code, message, details?}`.
 */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>): HttpError => new HttpError(400, message, details);
export const unauthorized = (message?: string): NotAuthenticatedError => new NotAuthenticatedError(message);
export const forbidden = (message?: string): PermissionDeniedError => new PermissionDeniedError(message);
export const conflict = (message: string, details?: Record<string, unknown>): HttpError => new HttpError(409, message, details);
export const payloadTooLarge = (limit: number): HttpError => new HttpError(413, `request body is larger than ${limit} bytes`);
