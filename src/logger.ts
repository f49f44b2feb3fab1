import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Secrets are redacted by key wherever they appear. */
export function createLogger(level: string, name = 'jade'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['secret', 'password', '*.secret', '*.Secret', '*.password', '*.authtoken', 'Secret', 'authorization', '*.authorization'],
      censor: '[redacted]',
    },
  });
}

/** A logger that drops everything, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
