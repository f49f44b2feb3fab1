import type { Context, Next } from 'koa';
import type { Config } from '../config.js';
import type { EventStore } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import { createAuthenticate } from './middleware.js';
import { routeTable, type AuthUser, type RouteRule } from './permissions.js';
import { AuthService, defaultLoginProtection, type LoginProtection } from './service.js';
import type { ScryptParams } from './password.js';
import type { Clock } from './tokens.js';

export { NotAuthenticatedError, PermissionDeniedError, UsernameTakenError } from './errors.js';
export { AuthService, type LoginResult, type NewUser, type UserChanges, type UserView } from './service.js';
export { currentUser, presentedToken, remoteAddress } from './middleware.js';
export { hasPermission, mayUse, requirePermission, routeTable, routeAccess, type AuthUser, type RouteAccess, type RouteRule } from './permissions.js';
export { authEventTypes, permissions, type Permission } from './events.js';
export { systemClock, type Clock } from './tokens.js';

/** socket.io's default path; it authenticates at its own handshake (ARCHITECTURE.md "Realtime contract"). */
const SOCKET_IO_PATH = '/socket.io';

export interface CreateAuthOptions {
  readonly store: EventStore;
  readonly config: Pick<Config, 'auth' | 'admin' | 'realtime'>;
  readonly logger: Logger;
  /** Tests: move time. */
  readonly clock?: Clock;
  /** Tests: a cheaper scrypt. Production keeps the default. */
  readonly scrypt?: ScryptParams;
  /** Where a generated admin password is printed (default stdout). */
  readonly print?: (line: string) => void;
  /** Rules tried before the route table (permissions.ts), for areas wired outside it. */
  readonly extraRules?: readonly RouteRule[];
}

export interface Auth {
  /** For createHttpApp: public routes pass, others need a live token and the route's permission. */
  readonly authenticate: (ctx: Context, next: Next) => Promise<void>;
  /** For the socket.io handshake: the token's user, or undefined (unknown, revoked, idle). */
  readonly verifyToken: (token: string) => AuthUser | undefined;
  /** For realtime's re-check of open connections: is the token still good? Not counted as a use. */
  readonly tokenState: (token: string) => 'live' | 'expired' | 'revoked';
  /** Users, tokens and logins: what the login and `/admin/info` routes (built in main.ts) act on. */
  readonly service: AuthService;
  /** Loads users and tokens from the log and creates the first admin on an empty one. Call before serving. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The auth service and the gate in front of every route, for main.ts; the routes over them are main.ts's to build. */
export function createAuth(options: CreateAuthOptions): Auth {
  const service = new AuthService({
    store: options.store,
    logger: options.logger.child({ module: 'auth' }),
    tokenIdleSeconds: options.config.auth.tokenIdleSeconds,
    adminPassword: options.config.admin.password,
    clock: options.clock,
    scrypt: options.scrypt,
    print: options.print,
    loginProtection: loginProtection(options.config.auth),
  });
  const verifyToken = (token: string): AuthUser | undefined => service.verifyToken(token);
  const authenticate = createAuthenticate({
    verifyToken,
    publicPrefixes: [SOCKET_IO_PATH, options.config.realtime.wsPath],
    rules: [...(options.extraRules ?? []), ...routeTable],
  });
  return {
    authenticate,
    verifyToken,
    tokenState: (token) => service.tokenState(token),
    service,
    start: () => service.start(),
    stop: () => service.stop(),
  };
}

/** The operator's brake and hashing settings (config `auth.*`) over the built-in policy. */
function loginProtection(auth: Config['auth']): LoginProtection {
  const seconds = (value: number): number => value * 1000;
  const base = defaultLoginProtection;
  const shared = {
    baseDelayMs: seconds(auth.loginDelayBaseSeconds),
    maxDelayMs: seconds(auth.loginDelayMaxSeconds),
    memoryMs: seconds(auth.loginFailureMemorySeconds),
    maxKeys: auth.loginTrackedKeys,
  };
  return {
    brake: {
      user: { ...base.brake.user, ...shared, failuresBeforeDelay: auth.loginFailuresBeforeDelay },
      address: { ...base.brake.address, ...shared, failuresBeforeDelay: auth.loginAddressFailuresBeforeDelay },
    },
    hashing: { maxConcurrent: auth.passwordHashConcurrency, maxQueued: auth.passwordHashQueue, maxPerKey: auth.passwordHashPerAddress },
    busyRetryMs: base.busyRetryMs,
  };
}
