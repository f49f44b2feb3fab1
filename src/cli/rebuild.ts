import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { createLogger } from '../logger.js';
import { UsageError } from './log-access.js';
import { ProgressReporter, stderrProgress } from './progress.js';

export const rebuildUsage = `usage:
  jade rebuild [projection]
      rebuild one or all read models from the log into the data dir (refuses while a server holds it)
  jade rebuild [projection] --server [--url URL] [--token TOKEN]
      ask the running server instead (POST /v1/admin/projections/rebuild); URL defaults to
      http://127.0.0.1:<http.port>; TOKEN defaults to $JADE_AUTHTOKEN, else a login as admin
      with $JADE_ADMIN_PASSWORD; progress on stderr, from GET /v1/admin/projections while it runs
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

/** How often `--server` asks where the server's rebuild stands. */
const pollEveryMs = 500;

export interface ServerRebuild {
  readonly base: string;
  readonly authtoken: string;
  readonly projection: string | undefined;
  readonly progress: Pick<ProgressReporter, 'update' | 'abandon'>;
  readonly write: (text: string) => void;
  readonly pollMs?: number;
}

/**
 * While the rebuild request is pending, `GET /v1/admin/projections` says where the replay stands
 * (`rebuild: {projections, position, target}`, absent when none runs): the same progress as offline.
 * A failed poll is skipped; the rebuild's own answer decides the outcome.
 */
async function pollProgress(run: ServerRebuild, pending: Promise<unknown>): Promise<void> {
  let settled = false;
  const over = pending.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    await Promise.race([over, new Promise((resolve) => setTimeout(resolve, run.pollMs ?? pollEveryMs))]);
    if (settled) return;
    const status = await call(`${run.base}/v1/admin/projections`, { method: 'GET', headers: { authorization: `Bearer ${run.authtoken}` } }).catch(() => undefined);
    const rebuild = status?.result?.rebuild as { position?: unknown; target?: unknown } | undefined;
    if (!settled && typeof rebuild?.position === 'number' && typeof rebuild.target === 'number') run.progress.update(rebuild.position, rebuild.target);
  }
}

/** POST /v1/admin/projections/rebuild, with progress from polling while it runs; the summary line at the end. */
export async function rebuildOnServer(run: ServerRebuild): Promise<void> {
  run.write(`rebuilding ${run.projection ?? 'every projection'} on ${run.base} ...\n`);
  const pending = call(`${run.base}/v1/admin/projections/rebuild`, {
    method: 'POST',
    headers: { authorization: `Bearer ${run.authtoken}`, 'content-type': 'application/json' },
    body: JSON.stringify(run.projection === undefined ? {} : { name: run.projection }),
  });
  const polling = pollProgress(run, pending);
  try {
    const answer = await pending;
    await polling;
    run.progress.abandon();
    const result = answer.result ?? {};
    const projections = Array.isArray(result.projections) ? result.projections.join(', ') : '?';
    run.write(`rebuilt ${projections} to position ${String(result.position)}: ${String(result.events)} events in ${(Number(result.duration_ms) / 1000).toFixed(1)} s, ${String(result.changes)} rows changed\n`);
  } finally {
    run.progress.abandon();
  }
}

/** Through a running server: its runner rebuilds into shadow tables while it keeps serving. */
async function throughServer(config: Config, projection: string | undefined, url: string | undefined, explicitToken: string | undefined): Promise<number> {
  const base = (url ?? `http://127.0.0.1:${config.http.port}`).replace(/\/+$/, '');
  const authtoken = await token(base, explicitToken, config);
  await rebuildOnServer({ base, authtoken, projection, progress: stderrProgress('rebuild'), write: (text) => process.stderr.write(text) });
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
