import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './jade-process.js';

/**
 * A PostgreSQL server for tests: `JADE_TEST_POSTGRES_URL` when set (a server someone else runs), otherwise
 * a private cluster started on a free loopback port in a temp dir by Debian's postgresql 15 binaries
 * (as the `postgres` user when this runs as root: the server refuses to run as root). One cluster per
 * test process, stopped when the process exits; each suite creates a database of its own.
 *
 * Without a server outside CI the suites skip with the reason; under CI=true a missing server fails them.
 */

/** Debian installs each major version under /usr/lib/postgresql/<major>/bin; the newest one present is used. */
function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(root, majors[0], 'bin');
}

interface Server {
  /** A URL on the server's maintenance database, to create test databases from. */
  readonly adminUrl: string;
  readonly external: boolean;
}

let started: Promise<Server> | undefined;

export class PostgresUnavailable extends Error {
  override readonly name = 'PostgresUnavailable';
}

function run(command: string, args: readonly string[], asPostgres: boolean): void {
  const [file, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, [...args]];
  const result = spawnSync(file, argv, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout || String(result.error)}`);
  }
}

async function startCluster(): Promise<Server> {
  const bin = binDir();
  if (bin === undefined) throw new PostgresUnavailable('no PostgreSQL server: no /usr/lib/postgresql/<version>/bin/initdb (apt-get install postgresql) and JADE_TEST_POSTGRES_URL is unset');
  const initdb = join(bin, 'initdb');
  const pgCtl = join(bin, 'pg_ctl');
  const asPostgres = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'jade-pg-'));
  const dataDir = join(dir, 'data');
  if (asPostgres) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (ids.status !== 0) throw new PostgresUnavailable('running as root and there is no postgres user to run the server as');
    chownSync(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
  }
  const port = await freePort();
  // Trust on loopback only, no fsync: a throwaway cluster whose durability nobody tests.
  run(initdb, ['-D', dataDir, '-A', 'trust', '-U', 'jade', '--no-sync', '-E', 'UTF8', '--locale', 'C'], asPostgres);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  run(pgCtl, ['-D', dataDir, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start'], asPostgres);
  process.once('exit', () => {
    // Synchronous: the 'exit' handler cannot wait for anything else.
    spawnSync(asPostgres ? 'runuser' : pgCtl, asPostgres ? ['-u', 'postgres', '--', pgCtl, '-D', dataDir, '-m', 'immediate', 'stop'] : ['-D', dataDir, '-m', 'immediate', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  });
  return { adminUrl: `postgres://jade@127.0.0.1:${port}/postgres`, external: false };
}

function server(): Promise<Server> {
  const url = process.env.JADE_TEST_POSTGRES_URL;
  started ??= url ? Promise.resolve({ adminUrl: url, external: true }) : startCluster();
  return started;
}

export interface TestDatabase {
  readonly url: string;
  /** Drops the database (after closing every connection the code under test left open). */
  drop(): Promise<void>;
}

/** A fresh, empty database on the test server. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const { adminUrl } = await server();
  const name = `jade_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Mocha hook body: a database for the suite, or a skip naming why there is no server (a failure under CI=true).
 * Use in `before`: `db = await postgresForSuite(this, 'label')`.
 */
export async function postgresForSuite(context: Mocha.Context, label: string): Promise<TestDatabase> {
  context.timeout(120_000);
  try {
    return await createTestDatabase(label);
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    console.log(`PostgreSQL suite ${label} skipped: ${(error as Error).message}`);
    context.skip();
  }
}
