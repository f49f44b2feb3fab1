import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ExpectedRevision } from '../port.js';

/** One append of a group, as the writer receives it: data and metadata already JSON text. */
export interface GroupAppend {
  readonly stream: string;
  readonly expected: ExpectedRevision;
  readonly rows: ReadonlyArray<{ readonly type: string; readonly data: string; readonly metadata: string }>;
}

/** What became of one append: its positions and the stream's new revision, or the revision that refused it. */
export type AppendOutcome =
  | { readonly first: number; readonly last: number; readonly revision: number }
  /** `expected` did not hold; `current` is the stream's last revision (null: no stream). Took no position. */
  | { readonly conflict: number | null };

type FromWriter =
  | { readonly op: 'ready' }
  | { readonly op: 'written'; readonly outcomes: AppendOutcome[] }
  | { readonly op: 'failed'; readonly error: string }
  | { readonly op: 'closed' };

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * Plain JavaScript (evaluated, so the same under tsx and from dist/): the store's only writing connection.
 * Positions are assigned here, inside the group's transaction, from the file's own MAX(position), so a
 * rolled-back group or a refused append never leaves a gap. A failed write answers `failed` and re-reads
 * where the file stands; the next group starts from there.
 */
const writerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
const insert = db.prepare('INSERT INTO events (position, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
const lastRevision = db.prepare('SELECT MAX(revision) FROM events WHERE stream = ?').pluck();
const lastPosition = db.prepare('SELECT MAX(position) FROM events').pluck();
let next = (lastPosition.get() ?? 0) + 1;
const write = db.transaction((appends, recordedAt) => {
  const revisions = new Map();
  let position = next;
  const outcomes = appends.map(({ stream, expected, rows }) => {
    const current = revisions.has(stream) ? revisions.get(stream) : (lastRevision.get(stream) ?? undefined);
    const holds = expected === 'any' || (expected === 'no_stream' ? current === undefined : current === expected);
    if (!holds) {
      revisions.set(stream, current);
      return { conflict: current === undefined ? null : current };
    }
    const first = position;
    let revision = current === undefined ? -1 : current;
    for (const row of rows) insert.run(position++, stream, ++revision, row.type, row.data, row.metadata, recordedAt);
    revisions.set(stream, revision);
    return { first, last: position - 1, revision };
  });
  next = position;
  return outcomes;
});
parentPort.on('message', (message) => {
  if (message.op === 'close') {
    db.close();
    parentPort.postMessage({ op: 'closed' });
    parentPort.close();
    return;
  }
  try {
    parentPort.postMessage({ op: 'written', outcomes: write(message.appends, message.recordedAt) });
  } catch (error) {
    // Rolled back (or, for a failed commit fsync, unknown): rely on what the file says now.
    try {
      next = (lastPosition.get() ?? 0) + 1;
    } catch {
      // The file cannot even be read; the next write fails the same way and says so.
    }
    parentPort.postMessage({ op: 'failed', error: String(error && error.message ? error.message : error) });
  }
});
parentPort.postMessage({ op: 'ready' });
`;

/**
 * The SQLite event store's writes, on a thread of their own (issue 17): each group's INSERTs, its COMMIT and
 * the fsync of synchronous=FULL (and SQLite's WAL checkpoints, which run inside a commit) no longer stop the
 * event loop, so the AMI socket, the projections and realtime run while a group is made durable, and the next
 * group gathers meanwhile. One group at a time; the caller resolves appends only on `written`, i.e. once the
 * group is committed and fsync'd: an acknowledged event is in the log.
 *
 * The worker holds the event loop open only while a group is in flight, so an idle, unclosed store never
 * keeps a process alive, and an awaited append always gets its answer.
 */
export class WriterThread {
  private pending: { resolve: (outcomes: AppendOutcome[]) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: FromWriter) => this.onMessage(message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new Error(`event store writer exited with code ${code}`));
    });
  }

  /** Starts the writer on `file` (created and migrated by the caller). */
  static async start(file: string): Promise<WriterThread> {
    const worker = new Worker(writerSource, { eval: true, execArgv: [], workerData: { driver, file } });
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number): void => reject(new Error(`event store writer exited with code ${code} before it was ready`));
      worker.once('message', (message: FromWriter) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (message.op === 'ready') resolve();
        else reject(new Error(`event store writer: unexpected first message ${message.op}`));
      });
      worker.once('error', reject);
      worker.once('exit', onExit);
    });
    worker.unref();
    return new WriterThread(worker);
  }

  /** Writes one group in one transaction; resolves once it is committed. Not called again before it settles. */
  write(appends: readonly GroupAppend[], recordedAt: string): Promise<AppendOutcome[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('event store writer: a group is already in flight'));
    return new Promise<AppendOutcome[]>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.ref();
      this.worker.postMessage({ op: 'write', appends, recordedAt });
    });
  }

  /** Closes the writer's connection; call once no group is in flight. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.failure) {
        await this.worker.terminate();
        return;
      }
      this.worker.ref();
      const closed = new Promise<void>((resolve) => {
        this.worker.once('exit', () => resolve());
      });
      this.worker.postMessage({ op: 'close' });
      await closed;
    })();
    return this.closing;
  }

  private onMessage(message: FromWriter): void {
    if (message.op !== 'written' && message.op !== 'failed') return;
    const pending = this.pending;
    this.pending = undefined;
    this.worker.unref();
    if (message.op === 'written') pending?.resolve(message.outcomes);
    else pending?.reject(new Error(message.error));
  }

  /** The thread itself is gone: every later write fails with the reason. */
  private fail(error: Error): void {
    this.failure ??= error;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}
