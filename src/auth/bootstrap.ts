import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';
import { permissions as permissionNames } from './events.js';
import type { NewUser, UserView } from './user-fields.js';

/**
 * The first admin, made when the log holds no user at all, so a fresh install can be logged into.
 * With `JADE_ADMIN_PASSWORD` empty the password is generated and shown to the operator once.
 */
export interface BootstrapOptions {
  readonly userCount: number;
  /** `JADE_ADMIN_PASSWORD`; empty: generate one. */
  readonly adminPassword: string;
  readonly createUser: (input: NewUser) => Promise<UserView>;
  readonly print: (line: string) => void;
  readonly logger: Logger;
}

export async function bootstrapFirstAdmin(options: BootstrapOptions): Promise<void> {
  if (options.userCount > 0) return;
  const generated = options.adminPassword === '';
  const password = generated ? randomBytes(18).toString('base64url') : options.adminPassword;
  const admin = await options.createUser({
    username: 'admin',
    name: 'Administrator',
    password,
    permissions: [permissionNames.admin, permissionNames.user],
  });
  if (generated) {
    // Printed, never logged: log lines are shipped and kept; this line is for the operator's eyes once.
    options.print(`admin password: ${password}`);
    options.logger.warn({ user_uuid: admin.uuid }, 'created user admin with a generated password (printed once on stdout); change it with PUT /v1/admin/info');
  } else {
    options.logger.info({ user_uuid: admin.uuid }, 'created user admin with the configured JADE_ADMIN_PASSWORD');
  }
}
