/**
 * The voicemail spool over HTTP: listing a large mailbox and streaming a large recording.
 * Not a test: `npx tsx bench/voicemail-spool.ts [--messages 1000] [--mb 64]`.
 *
 * Prints:
 * 1. `GET /v1/voicemail/vms` of one mailbox holding `--messages` messages (each a msgNNNN.txt + .wav): ms per listing;
 * 2. `GET /v1/voicemail/vms/<msg>` of a `--mb` MB .wav: MB/s, and how much this process's RSS grew while serving it
 *    (the file is streamed, so the growth stays far below its size);
 * 3. 200 ranged requests of 64 KB at random offsets (a browser seeking): requests/s.
 */
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startTestJade } from '../test/support/jade.js';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '1000' }, mb: { type: 'string', default: '64' } } });
const messages = Number(values.messages);
const megabytes = Number(values.mb);

const spool = mkdtempSync(join(tmpdir(), 'jade-bench-spool-'));
const inbox = join(spool, 'vm-demo', '6001', 'INBOX');
mkdirSync(inbox, { recursive: true });
for (let n = 0; n < messages; n++) {
  const name = `msg${String(n).padStart(4, '0')}`;
  writeFileSync(join(inbox, `${name}.txt`), `;\n[message]\norigmailbox=6001\ncontext=demo\nexten=6001\npriority=1\ncallerchan=PJSIP/x-${n}\ncallerid=<${n}>\norigtime=${1764626400 + n}\nmsg_id=${1764626400 + n}-${n}\nduration=3\n`);
  writeFileSync(join(inbox, `${name}.wav`), Buffer.alloc(1024));
}
const big = join(spool, 'vm-demo', '6002', 'INBOX');
mkdirSync(big, { recursive: true });
writeFileSync(join(big, 'msg0000.txt'), '[message]\nduration=4194\n');
const fd = openSync(join(big, 'msg0000.wav'), 'w');
const chunk = Buffer.alloc(1024 * 1024, 7);
for (let i = 0; i < megabytes; i++) writeSync(fd, chunk);
closeSync(fd);

const jade = await startTestJade(undefined, { overrides: { voicemail: { spoolDir: spool }, eventstore: { type: 'memory' } } });
const auth = { authorization: `Bearer ${jade.token}` };
try {
  const listUrl = `${jade.baseUrl}/v1/voicemail/vms?context=vm-demo&mailbox=6001`;
  await (await fetch(listUrl, { headers: auth })).arrayBuffer();
  const rounds = 10;
  let started = performance.now();
  let listed = 0;
  for (let i = 0; i < rounds; i++) listed = ((await (await fetch(listUrl, { headers: auth })).json()) as { result: { list: unknown[] } }).result.list.length;
  console.log(`list of ${listed} messages: ${((performance.now() - started) / rounds).toFixed(1)} ms per GET /v1/voicemail/vms`);

  const downloadUrl = `${jade.baseUrl}/v1/voicemail/vms/msg0000?context=vm-demo&mailbox=6002&dir=INBOX`;
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);
  started = performance.now();
  const response = await fetch(downloadUrl, { headers: auth });
  let bytes = 0;
  // Read the body as it comes, without keeping it, so only the server's side counts.
  for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) bytes += part.length;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  console.log(`download of ${(bytes / 1048576).toFixed(0)} MB: ${(bytes / 1048576 / seconds).toFixed(0)} MB/s; RSS grew ${((rssPeak - rssBefore) / 1048576).toFixed(1)} MB while serving it (client and server in one process)`);

  started = performance.now();
  const size = megabytes * 1048576;
  for (let i = 0; i < 200; i++) {
    const start = Math.floor(Math.random() * (size - 65536));
    const part = await fetch(downloadUrl, { headers: { ...auth, range: `bytes=${start}-${start + 65535}` } });
    if (part.status !== 206 || (await part.arrayBuffer()).byteLength !== 65536) throw new Error(`ranged request answered ${part.status}`);
  }
  console.log(`ranged 64 KB requests: ${(200 / ((performance.now() - started) / 1000)).toFixed(0)} requests/s`);
} finally {
  await jade.stop();
  rmSync(spool, { recursive: true, force: true });
}
