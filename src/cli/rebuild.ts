import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { createLogger } from '../logger.js';
import { UsageError } from './log-access.js';
import { stderrProgress } from './progress.js';

export const rebuildUsage = `usage:
  jade rebuild [projection]
      rebuild one or all read models from the log into the data dir (refuses while a server holds it)
  jade rebuild [projection] --server [--url URL] [--token TOKEN]
      ask the running server instead (POST /v1/admin/projections/rebuild); URL defaults to
      http://127.0.0.1:<http.port>; TOKEN defaults to $JADE_AUTHTOKEN, else a login as admin
      with $JADE_ADMIN_PASSWORD
`;

interface Envelope {
  readonly statuscode?: number;
  readonly result?: Record<string, unknown>;
  readonly error?: { readonly message?: string };
}

async function call(url: string, init: RequestInit): Promise<Envelope> {
  const response = await fetch(url, init);
  const body = (await response.json().catch(() => ({}))) as Envelope;
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${body.error?.message ?? ''}`.trim());
  return body;
}

async function token(base: string, explicit: string | undefined, config: Config): Promise<string> {
  const given = explicit ?? process.env.JADE_AUTHTOKEN;
  if (given) return given;
  if (!config.admin.password) throw new UsageError('--server needs --token, $JADE_AUTHTOKEN or $JADE_ADMIN_PASSWORD');
  const basic = Buffer.from(`admin:${config.admin.password}`).toString('base64');
  const login = await call(`${base}/v1/admin/login`, { method: 'POST', headers: { authorization: `Basic ${basic}` } });
  const authtoken = login.result?.authtoken;
  if (typeof authtoken !== 'string') throw new Error('login answered without an authtoken');
  return authtoken;
}

/** Through a running server: its runner rebuilds into shadow tables while it keeps serving. */
async function throughServer(config: Config, projection: string | undefined, url: string | undefined, explicitToken: string | undefined): Promise<number> {
  const base = (url ?? `http://127.0.0.1:${config.http.port}`).replace(/\/+$/, '');
  const authtoken = await token(base, explicitToken, config);
  process.stderr.write(`rebuilding ${projection ?? 'every projection'} on ${base} ...\n`);
  const answer = await call(`${base}/v1/admin/projections/rebuild`, {
    method: 'POST',
    headers: { authorization: `Bearer ${authtoken}`, 'content-type': 'application/json' },
    body: JSON.stringify(projection === undefined ? {} : { name: projection }),
  });
  const result = answer.result ?? {};
  const projections = Array.isArray(result.projections) ? result.projections.join(', ') : '?';
  process.stderr.write(`rebuilt ${projections} to position ${String(result.position)}: ${String(result.events)} events in ${(Number(result.duration_ms) / 1000).toFixed(1)} s, ${String(result.changes)} rows changed\n`);
  return 0;
}

/** `jade rebuild [projection] [--server ...]` */
export async function rebuildCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { server: { type: 'boolean' }, url: { type: 'string' }, token: { type: 'string' } },
  });
  if (positionals.length > 1) throw new UsageError('jade rebuild takes at most one projection name');
  const config = loadConfig();
  if (values.server || values.url !== undefined || values.token !== undefined) return throughServer(config, positionals[0], values.url, values.token);
  const { rebuildOffline } = await import('../main.js');
  const progress = stderrProgress('rebuild');
  try {
    return await rebuildOffline(config, createLogger(config.log.level), { projection: positionals[0], progress });
  } finally {
    progress.abandon();
  }
}
