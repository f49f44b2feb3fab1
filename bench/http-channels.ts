/**
 * GET /v1/core/channels with 1,000 live rows: requests/s and p99 latency, measured by autocannon
 * in a second process, next to a bare Koa endpoint serving the same rows from the same SQLite
 * database by building JS objects and JSON.stringify (the naive way).
 * Not a test: `npx tsx bench/http-channels.ts [--rows 1000] [--seconds 10] [--connections 20]`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Koa from 'koa';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/logger.js';
import { startJade } from '../src/main.js';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '20' } },
});
const rows = Number(values.rows);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
}

/** autocannon in its own process, so the load generator does not share the server's event loop. */
function load(url: string, headers: Record<string, string>): Promise<LoadResult> {
  const args = ['autocannon', '-j', '-c', String(connections), '-d', String(seconds)];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const r = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number };
      resolve({ requestsPerSecond: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx });
    });
  });
}

function newchannel(i: number) {
  const id = `1795000000.${i}`;
  return {
    type: 'Newchannel',
    data: {
      Channel: `PJSIP/agent-${i % 100}-${i.toString(16).padStart(8, '0')}`, ChannelState: '6', ChannelStateDesc: 'Up',
      CallerIDNum: `10${i % 100}`, CallerIDName: `Agent ${i % 100}`, ConnectedLineNum: '<unknown>', ConnectedLineName: '<unknown>',
      Language: 'en', AccountCode: '', Context: 'from-internal', Exten: '2001', Priority: '1', Uniqueid: id, Linkedid: id,
    },
    metadata: { node: 'asterisk', receivedAt: new Date().toISOString(), timestamp: `${1795000000 + i}.000000` },
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jade-bench-http-'));
  const config = loadConfig({
    env: {},
    overrides: { http: { host: '127.0.0.1', port: 0 }, dataDir, admin: { password: 'bench' }, log: { level: 'silent' }, ami: { port: 1 } },
  });
  const jade = await startJade(config, silentLogger(), { print: () => undefined });
  try {
    for (let i = 0; i < rows; i += 100) {
      const batch = Array.from({ length: Math.min(100, rows - i) }, (_, k) => newchannel(i + k));
      for (const event of batch) await jade.store.append(`call-${event.data.Uniqueid}`, [event]);
    }
    await jade.runner.waitForPosition(await jade.store.headPosition(), 30_000);
    const count = (jade.readModels.sqlite.prepare('SELECT count(*) AS n FROM channels').get() as { n: number }).n;

    const login = await fetch(`http://127.0.0.1:${jade.port}/v1/admin/login`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('admin:bench').toString('base64')}` },
    });
    const token = ((await login.json()) as { result: { authtoken: string } }).result.authtoken;

    // The naive baseline: same rows, same database, objects built in JS and stringified per request.
    const select = jade.readModels.sqlite.prepare('SELECT * FROM channels ORDER BY tm_create, unique_id');
    const bare = new Koa();
    bare.use((ctx) => {
      const list = (select.all() as Array<Record<string, unknown>>).map((r) => ({ ...r, variables: JSON.parse(String(r.variables)) as unknown }));
      ctx.body = { api_ver: '0.1', statuscode: 200, timestamp: new Date().toISOString(), result: { list } };
    });
    const bareServer = createServer(bare.callback());
    await new Promise<void>((resolve) => bareServer.listen(0, '127.0.0.1', resolve));
    const barePort = (bareServer.address() as AddressInfo).port;

    console.log(`rows in channels: ${count}; ${connections} connections, ${seconds} s each, autocannon in a second process`);
    const jadeResult = await load(`http://127.0.0.1:${jade.port}/v1/core/channels`, { authorization: `Bearer ${token}` });
    const bareResult = await load(`http://127.0.0.1:${barePort}/`, {});
    const line = (name: string, r: LoadResult): string =>
      `${name.padEnd(44)} ${r.requestsPerSecond.toFixed(0).padStart(8)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   errors ${r.errors + r.non2xx}`;
    console.log(line('jade GET /v1/core/channels (auth, SQLite JSON)', jadeResult));
    console.log(line('bare Koa, JS objects + JSON.stringify', bareResult));
    bareServer.close();
  } finally {
    await jade.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
