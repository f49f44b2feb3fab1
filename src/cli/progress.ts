/**
 * Progress of long CLI work (`jade rebuild`, `jade events export`): events done of a total, the rate and an
 * ETA. On a terminal one line redrawn in place (\r); otherwise (a pipe, a log file, systemd) whole lines now
 * and then, so a log keeps a readable trail. Always on stderr: an export's stdout is the data.
 */

export interface ProgressSnapshot {
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
}

const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  return counts.format(n);
}

/** Whole seconds as "42 s", "3 min 05 s", "2 h 03 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Events per second over the whole run so far; undefined before any time has passed. */
export function ratePerSecond(snapshot: ProgressSnapshot): number | undefined {
  if (snapshot.elapsedMs <= 0) return undefined;
  return (snapshot.done * 1000) / snapshot.elapsedMs;
}

/** Seconds left at the rate so far; 0 when done, undefined while nothing is done yet (no rate to go by). */
export function etaSeconds(snapshot: ProgressSnapshot): number | undefined {
  const left = Math.max(0, snapshot.total - snapshot.done);
  if (left === 0) return 0;
  const rate = ratePerSecond(snapshot);
  if (rate === undefined || rate === 0) return undefined;
  return left / rate;
}

/** "export: 12,345/100,000 events (12%), 4,321 events/s, ETA 20 s" */
export function formatProgress(label: string, snapshot: ProgressSnapshot): string {
  const done = Math.min(snapshot.done, snapshot.total);
  const percent = snapshot.total === 0 ? 100 : Math.floor((done * 100) / snapshot.total);
  const rate = ratePerSecond(snapshot);
  const eta = etaSeconds(snapshot);
  return (
    `${label}: ${formatCount(done)}/${formatCount(snapshot.total)} events (${percent}%), ` +
    `${rate === undefined ? '-' : formatCount(rate)} events/s, ETA ${eta === undefined ? '-' : formatDuration(eta)}`
  );
}

/** "export: 100,000 events in 23.1 s, 4,329 events/s" */
export function formatFinished(label: string, snapshot: ProgressSnapshot): string {
  const rate = ratePerSecond(snapshot);
  return `${label}: ${formatCount(snapshot.done)} events in ${(snapshot.elapsedMs / 1000).toFixed(1)} s${rate === undefined ? '' : `, ${formatCount(rate)} events/s`}`;
}

export interface ProgressOptions {
  readonly label: string;
  /** Redraw one line in place (a terminal) or write whole lines (anything else). */
  readonly tty: boolean;
  readonly write: (text: string) => void;
  readonly now?: () => number;
  /** Plain output: a line at least every this many events... */
  readonly everyEvents?: number;
  /** ...or this many milliseconds, whichever comes first. */
  readonly everyMs?: number;
}

/** A terminal redraw at most this often: a fast replay would otherwise spend its time writing to the tty. */
const redrawMs = 100;
// ANSI "erase to end of line": a shorter line must not leave the tail of the longer one before it.
const eraseLine = '\x1b[K';

export class ProgressReporter {
  private readonly now: () => number;
  private readonly started: number;
  private readonly everyEvents: number;
  private readonly everyMs: number;
  private lastAt: number;
  private lastDone = 0;
  private done = 0;
  private total = 0;
  private drawn = false;
  private ended = false;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.lastAt = this.started;
    this.everyEvents = options.everyEvents ?? 10_000;
    this.everyMs = options.everyMs ?? 10_000;
  }

  /** Where the work stands; the total may grow (a rebuild's last stretch runs to a later head). */
  update(done: number, total: number): void {
    this.done = done;
    this.total = Math.max(total, done);
    const at = this.now();
    if (this.options.tty) {
      if (this.drawn && at - this.lastAt < redrawMs) return;
      this.redraw(at);
    } else {
      if (done - this.lastDone < this.everyEvents && at - this.lastAt < this.everyMs) return;
      this.options.write(`${formatProgress(this.options.label, this.snapshot(at))}\n`);
    }
    this.lastAt = at;
    this.lastDone = done;
  }

  /** The last word, a summary line: on a terminal it replaces the progress line. */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    const summary = formatFinished(this.options.label, this.snapshot(this.now()));
    this.options.write(this.options.tty ? `\r${summary}${eraseLine}\n` : `${summary}\n`);
  }

  /** The work failed (or is over, finished or not): ends a half-drawn terminal line so an error message starts on its own. */
  abandon(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.options.tty && this.drawn) this.options.write('\n');
  }

  private redraw(at: number): void {
    this.options.write(`\r${formatProgress(this.options.label, this.snapshot(at))}${eraseLine}`);
    this.drawn = true;
  }

  private snapshot(at: number): ProgressSnapshot {
    return { done: this.done, total: this.total, elapsedMs: at - this.started };
  }
}

/** Progress on this process's stderr, redrawn in place when stderr is a terminal. */
export function stderrProgress(label: string): ProgressReporter {
  return new ProgressReporter({ label, tty: process.stderr.isTTY === true, write: (text) => process.stderr.write(text) });
}
