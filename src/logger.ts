import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Secrets are redacted by key wherever they appear. */
export function createLogger(level: string, name = 'jade'): Logger {
  return pino({
    name,
    level,
    redact: {
      // pino redacts by path, not by a predicate: the credential names of src/history/redact.ts, spelled as they occur.
      paths: [
        ...['secret', 'Secret', 'password', 'Password', 'old_password', 'authtoken', 'authorization', 'Md5Cred', 'md5_cred', 'PasswordDigest', 'OauthSecret', 'RefreshToken'].flatMap(
          (key) => [key, `*.${key}`],
        ),
      ],
      censor: '[redacted]',
    },
  });
}

/** A logger that drops everything, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
