/**
 * Typed HTTP failures. Route code throws these; the one error middleware (error-middleware.ts)
 * turns them, and the domain errors it knows, into the envelope with `error: {code, message, details?}`.
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
export const unauthorized = (message = 'a valid authtoken is required'): HttpError => new HttpError(401, message);
export const forbidden = (message = 'permission denied'): HttpError => new HttpError(403, message);
export const notFound = (message: string): HttpError => new HttpError(404, message);
export const conflict = (message: string, details?: Record<string, unknown>): HttpError => new HttpError(409, message, details);
export const payloadTooLarge = (limit: number): HttpError => new HttpError(413, `request body is larger than ${limit} bytes`);
