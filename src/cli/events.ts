import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { followLog } from '../history/follow.js';
import type { LogFilter } from '../eventstore/log-port.js';
import { toWireEvent } from '../history/log.js';
import { stderrProgress } from './progress.js';
import { openCliLog, positionOption, timestampOption, UsageError, writeOut } from './log-access.js';

export const eventsUsage = `usage:
  jade events tail [--stream S] [--stream-prefix P] [--type T[,T...]] [--from POSITION]
      follow the log live from its head (or --from), one JSON line per event
  jade events export [--from POSITION] [--to POSITION] [--since TS] [--until TS]
                     [--stream S] [--stream-prefix P] [--type T[,T...]]
      the log (or a range of it) as JSON Lines on stdout
Both read the data dir read-only and work while a server runs. Secrets are masked as in GET /v1/events.
`;

const filterOptions = {
  stream: { type: 'string' },
  'stream-prefix': { type: 'string' },
  type: { type: 'string' },
  from: { type: 'string' },
} as const;

function filterOf(values: { stream?: string; 'stream-prefix'?: string; type?: string }): LogFilter {
  const types = values.type?.split(',').map((t) => t.trim()).filter((t) => t !== '');
  return { stream: values.stream, streamPrefix: values['stream-prefix'], types };
}

/** Stops a tail on Ctrl-C, on SIGTERM, and when the reader of a pipe goes away (`| head`). */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') stop();
  });
  return controller.signal;
}

async function tail(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: filterOptions, allowPositionals: false });
  const from = positionOption('from', values.from);
  const log = await openCliLog(loadConfig());
  try {
    await followLog(log.source, {
      from: from ?? (await log.source.head()) + 1,
      filter: filterOf(values),
      signal: stopSignal(),
      onEvents: async (events) => {
        for (const event of events) await writeOut(`${JSON.stringify(toWireEvent(event))}\n`);
      },
    });
    return 0;
  } finally {
    await log.close();
  }
}

async function exportLog(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { ...filterOptions, to: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' } },
    allowPositionals: false,
  });
  const filter: LogFilter = { ...filterOf(values), since: timestampOption('since', values.since), until: timestampOption('until', values.until) };
  const from = positionOption('from', values.from) ?? 1;
  const log = await openCliLog(loadConfig());
  // Counted in log positions read, filtered-out ones included: that is the work done and left.
  const progress = stderrProgress('export');
  try {
    const to = positionOption('to', values.to) ?? (await log.source.head());
    await followLog(log.source, {
      from,
      to,
      filter,
      onEvents: async (events) => {
        // One write per batch: per-line writes dominate the cost of a large export.
        await writeOut(events.map((event) => `${JSON.stringify(toWireEvent(event))}\n`).join(''));
      },
      onScanned: (next, end) => progress.update(next - from, Math.max(0, end - from + 1)),
    });
    progress.finish();
    return 0;
  } finally {
    progress.abandon();
    await log.close();
  }
}

/** `jade events <tail|export> ...` */
export async function eventsCommand(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'tail') return tail(rest);
  if (sub === 'export') return exportLog(rest);
  throw new UsageError(sub === undefined ? 'jade events needs tail or export' : `unknown events command ${sub}`);
}
