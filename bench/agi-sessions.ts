/**
 * AGI sessions benchmark: async-AGI sessions starting (and ending) through the projection runner into an in-memory
 * read model, with event times 50 ms apart, so ended sessions are kept (120 s retention) and swept as in production.
 *
 *   npx tsx bench/agi-sessions.ts [sessions=8000]
 *
 * Prints sessions/s for sessions that stay up (every row held) and for sessions that start and end (ended rows
 * kept, then swept). The comparison line is the same run with the sweep forced on every start (what the first
 * version of the ended-session retention did): each sweep reads every row, so starts become O(sessions held).
 */
import { performance } from 'node:perf_hooks';
import { agisProjection } from '../projections/agis.js';
import { defineProjection } from '../projections/lib/projection.js';
import { MemoryEventStore } from '../src/eventstore/memory/memory-event-store.js';
import { formatTimestamp } from '../src/events/time.js';
import { openReadModelDb } from '../src/readmodels/database.js';
import { createProjectionRunner } from '../src/readmodels/runner.js';

const sessions = Number.parseInt(process.argv[2] ?? '8000', 10);
/** The comparison is quadratic: a smaller run says enough. */
const comparisonSessions = Math.min(sessions, 2000);
const envKeys = ['request', 'channel', 'language', 'type', 'uniqueid', 'version', 'callerid', 'calleridname', 'callingpres', 'dnid', 'rdnis', 'context', 'extension', 'priority', 'enhanced', 'accountcode', 'threadid', 'arg_1', 'arg_2'];
const at = (n: number, offsetMs = 0): string => formatTimestamp((BigInt(Date.UTC(2026, 0, 1)) + BigInt(n * 50 + offsetMs)) * 1_000_000n);

function channel(n: number): Record<string, string> {
  return {
    Channel: `Local/${n}@demo-00000001;2`, ChannelState: '6', ChannelStateDesc: 'Up', CallerIDNum: '600', CallerIDName: 'bench',
    ConnectedLineNum: '', ConnectedLineName: '', Language: 'en', AccountCode: '', Context: 'demo', Exten: '100', Priority: '2',
    Uniqueid: `1700000000.${n}`, Linkedid: `1700000000.${n}`,
  };
}

async function run(label: string, ending: boolean, sweepEveryStart: boolean, sessions: number): Promise<number> {
  const store = new MemoryEventStore();
  const readModels = await openReadModelDb(':memory:');
  const projection = sweepEveryStart
    ? defineProjection({
        ...agisProjection,
        // The sweep's mark dropped before each start: every start sweeps.
        project: (state, event) => {
          type State = Parameters<typeof agisProjection.project>[0];
          const get = (table: string, key: string) => (table === 'agis_prune' ? undefined : state.get(table as 'agis', key));
          return agisProjection.project({ all: state.all.bind(state), get } as unknown as State, event);
        },
      })
    : agisProjection;
  const runner = createProjectionRunner({ store, readModels, projections: [projection] });
  await runner.start();
  const started = performance.now();
  for (let n = 0; n < sessions; n++) {
    const env = encodeURIComponent(envKeys.map((key) => `agi_${key}: value-${n}`).join('\n') + '\n\n');
    const events = [{ type: 'AsyncAGIStart', data: { ...channel(n), Env: env }, metadata: { node: 'bench', receivedAt: at(n) } }];
    if (ending) events.push({ type: 'AsyncAGIEnd', data: { ...channel(n), Env: '' }, metadata: { node: 'bench', receivedAt: at(n, 25) } });
    await store.append(`call-1700000000.${n}`, events);
  }
  await runner.waitForPosition(await store.headPosition(), 3_600_000);
  const seconds = (performance.now() - started) / 1000;
  const held = (readModels.sqlite.prepare('SELECT count(*) AS n FROM agis').get() as { n: number }).n;
  console.log(`${label}: ${sessions} sessions in ${seconds.toFixed(2)} s = ${Math.round(sessions / seconds)} sessions/s (rows held at the end: ${held})`);
  await runner.stop();
  await readModels.close();
  return sessions / seconds;
}

await run('sessions that stay up', false, false, sessions);
const kept = await run('sessions that start and end (ended kept 120 s, swept every 30 s)', true, false, sessions);
const every = await run('comparison: the same with a sweep on every start', true, true, comparisonSessions);
console.log(`sweeping at most every 30 s: ${(kept / every).toFixed(1)}x the sessions/s of sweeping on every start`);
