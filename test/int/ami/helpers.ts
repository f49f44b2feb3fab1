import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Config } from '../../../src/config.js';
import type { Logger } from '../../../src/logger.js';
import type { FakeAmi } from '../../support/fake-ami.js';

/** The `ami` config block pointed at a fake server, with delays short enough for tests. */
export function amiConfig(fake: FakeAmi, overrides: Partial<Config['ami']> = {}): Config['ami'] {
  return {
    host: '127.0.0.1',
    port: fake.port,
    username: fake.username,
    secret: fake.secret,
    node: 'test',
    keepaliveMs: 5000,
    actionTimeoutMs: 1000,
    reconnectInitialMs: 20,
    reconnectMaxMs: 200,
    nodes: [],
    ...overrides,
  };
}

/** A logger that keeps every line, to assert on what is (and is not) logged. */
export function capturingLogger(): { logger: Logger; text: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, sink), text: () => text };
}

/** Polls until `condition` holds (it may be async), or fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
