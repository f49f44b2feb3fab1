/** Auth's refusals, plain classes: the HTTP error table (src/http/error-middleware.ts) gives each its status. */

/** No token, or one that is unknown, revoked or expired (401). */
export class NotAuthenticatedError extends Error {
  override readonly name = 'NotAuthenticatedError';
  constructor(message = 'a valid authtoken is required') {
    super(message);
  }
}

/** A valid token whose user lacks the permission (403). */
export class PermissionDeniedError extends Error {
  override readonly name = 'PermissionDeniedError';
  constructor(message = 'permission denied') {
    super(message);
  }
}

/** A new user's username is taken: ARCHITECTURE.md's "conflicting state" (409; the catalog's proposed 400 predates that table). */
export class UsernameTakenError extends Error {
  override readonly name = 'UsernameTakenError';
  constructor(readonly username: string) {
    super(`username ${username} already exists`);
  }
}
