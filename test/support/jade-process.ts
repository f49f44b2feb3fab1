/**
 * jade as a separate process (for tests that SIGKILL it): the source through tsx, not bin/jade.js,
 * so a stale dist/ never stands in for the code under test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const jadeCli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli.ts');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ServeOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly adminPassword: string;
  /** More JADE_* settings (the sandbox's AMI address, a result file). */
  readonly env?: Readonly<Record<string, string>>;
}

/** `jade serve` in a child process, on loopback, logging nothing. */
export function serveJade(options: ServeOptions): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', jadeCli, 'serve'], {
    env: {
      ...process.env,
      ...options.env,
      NODE_ENV: 'production',
      JADE_DATA_DIR: options.dataDir,
      JADE_HTTP_HOST: '127.0.0.1',
      JADE_HTTP_PORT: String(options.port),
      JADE_ADMIN_PASSWORD: options.adminPassword,
      JADE_LOG_LEVEL: 'silent',
    },
    stdio: 'ignore',
  });
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}
