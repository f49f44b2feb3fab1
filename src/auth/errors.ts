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

/** The user already holds that permission (`POST /admin/user/permissions`): conflicting state, 409 like a taken username. */
export class PermissionAlreadyGrantedError extends Error {
  override readonly name = 'PermissionAlreadyGrantedError';
  constructor(readonly userUuid: string, readonly permission: string) {
    super(`user ${userUuid} already holds permission ${permission}`);
  }
}

/** A write names a user (`user_uuid` in a body) that does not exist: a bad request (400), not a missing resource. */
export class UnknownUserError extends Error {
  override readonly name = 'UnknownUserError';
  constructor(readonly userUuid: string) {
    super(`user ${userUuid} does not exist`);
  }
}

/** The change would leave no user holding `admin`, and so nobody able to manage users again (409). */
export class LastAdminError extends Error {
  override readonly name = 'LastAdminError';
  constructor() {
    super('the last user holding permission admin cannot lose it (nor be deleted)');
  }
}
