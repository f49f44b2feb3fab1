import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { AuthService } from '../auth/service.js';
import { permissions as permissionNames, type Permission } from '../auth/events.js';
import { loadConfig, type Config } from '../config.js';
import { openEventStore, SqliteEventStore } from '../eventstore/index.js';
import { createLogger } from '../logger.js';
import { UsageError } from './log-access.js';

export const usersUsage = `usage:
  jade users add <username> [--name N] [--permission admin|manager|user ...] [--password-stdin]
  jade users list
  jade users passwd <username> [--password-stdin]
  jade users rm <username>

  Writes the users into the log of the data dir (JADE_DATA_DIR), on the server's host, with the server
  stopped: while a server holds the data dir these commands refuse (use the REST API then:
  /v1/admin/user/users, /v1/admin/user/permissions). The password is read from stdin: the whole of
  stdin with --password-stdin (one trailing newline dropped), else one line after a prompt on stderr.
  It is never an argument (arguments show in ps and in shell history).
`;

const validPermissions: readonly string[] = Object.values(permissionNames);

async function readAll(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function promptLine(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  const lines = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
  }
}

async function readPassword(fromStdin: boolean): Promise<string> {
  const password = fromStdin ? await readAll() : await promptLine('password: ');
  if (password === '') throw new UsageError('the password must not be empty');
  return password;
}

/** The log, opened as its one writer: refused while a server holds the SQLite data dir. */
async function withService<T>(config: Config, work: (auth: AuthService) => Promise<T>): Promise<T> {
  if (config.eventstore.type === 'memory') throw new Error('the memory event store lives inside the server process; there is no log to write to here');
  const holder = config.eventstore.type === 'sqlite' ? SqliteEventStore.lockHolder(config.dataDir) : undefined;
  if (holder !== undefined) {
    throw new Error(
      `a server (pid ${holder === 0 ? 'unknown' : holder}) holds ${config.dataDir}; stop it, or manage users through it: /v1/admin/user/users and /v1/admin/user/permissions`,
    );
  }
  const store = await openEventStore({ ...config.eventstore, dataDir: config.dataDir });
  const auth = new AuthService({
    store,
    logger: createLogger(config.log.level).child({ module: 'cli-users' }),
    tokenIdleSeconds: config.auth.tokenIdleSeconds,
    adminPassword: '',
    bootstrap: false,
  });
  try {
    await auth.start();
    return await work(auth);
  } finally {
    await auth.stop();
    await store.close();
  }
}

function userUuid(auth: AuthService, username: string): string {
  const user = auth.userByUsername(username);
  if (!user) throw new Error(`no user ${username}`);
  return user.uuid;
}

/** `jade users add|list|passwd|rm` */
export async function usersCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { name: { type: 'string' }, permission: { type: 'string', multiple: true }, 'password-stdin': { type: 'boolean' } },
  });
  const [action, username, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const config = loadConfig();
  switch (action) {
    case 'list': {
      if (username !== undefined) throw new UsageError('jade users list takes no arguments');
      const users = await withService(config, async (auth) => auth.listManagerUsers());
      for (const user of users) {
        process.stdout.write(`${user.uuid}\t${user.username}\t${user.name}\t${user.permissions.map((p) => p.permission).join(',')}\n`);
      }
      return 0;
    }
    case 'add': {
      if (username === undefined) throw new UsageError('jade users add needs a username');
      const wanted = values.permission ?? [];
      const unknown = wanted.filter((p) => !validPermissions.includes(p));
      if (unknown.length > 0) throw new UsageError(`--permission must be one of ${validPermissions.join(', ')}, got ${unknown.join(', ')}`);
      const password = await readPassword(values['password-stdin'] === true);
      const created = await withService(config, (auth) =>
        auth.createUser({ username, name: values.name ?? '', password, permissions: wanted as Permission[] }),
      );
      process.stdout.write(`${created.uuid}\n`);
      return 0;
    }
    case 'passwd': {
      if (username === undefined) throw new UsageError('jade users passwd needs a username');
      const password = await readPassword(values['password-stdin'] === true);
      await withService(config, async (auth) => {
        const uuid = userUuid(auth, username);
        // The CLI acts as the user itself in the log's metadata: there is no logged-in caller on the host.
        await auth.updateUser(uuid, { password }, { uuid, username, permissions: [] });
      });
      process.stderr.write(`password of ${username} changed; its tokens are revoked\n`);
      return 0;
    }
    case 'rm': {
      if (username === undefined) throw new UsageError('jade users rm needs a username');
      await withService(config, async (auth) => {
        await auth.deleteUser(userUuid(auth, username), undefined);
      });
      process.stderr.write(`user ${username} deleted\n`);
      return 0;
    }
    default:
      throw new UsageError(action === undefined ? 'jade users needs an action' : `unknown action ${action}`);
  }
}
