/**
 * Caps password hashing (scrypt: ~60 ms and 32 MiB each at the default cost). Without a cap, 200
 * parallel logins run 200 scrypts on libuv's 4 threads and every login, good or bad, waits for
 * all of them. With it, at most `maxConcurrent` run, at most `maxQueued` wait, and one key (a
 * remote address) holds at most `maxPerKey` of those places, so one flooding client cannot push
 * everybody else out. Beyond that the work is refused at once, before it starts: the caller
 * answers "busy, retry later" instead of queueing without bound.
 */

export interface LimiterPolicy {
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  /** Running plus waiting, per key. */
  readonly maxPerKey: number;
}

export type Admission<T> =
  | { readonly admitted: true; readonly result: Promise<T> }
  | { readonly admitted: false; readonly reason: 'busy' | 'key-busy' };

interface Waiting {
  readonly key: string | undefined;
  readonly start: () => void;
}

export class WorkLimiter {
  private running = 0;
  private readonly queue: Waiting[] = [];
  private readonly perKey = new Map<string, number>();

  constructor(private readonly policy: LimiterPolicy) {}

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Admits `work` (now or queued) or refuses it synchronously; refused work never starts. */
  run<T>(key: string | undefined, work: () => Promise<T>): Admission<T> {
    if (key !== undefined && (this.perKey.get(key) ?? 0) >= this.policy.maxPerKey) return { admitted: false, reason: 'key-busy' };
    const startNow = this.running < this.policy.maxConcurrent;
    if (!startNow && this.queue.length >= this.policy.maxQueued) return { admitted: false, reason: 'busy' };
    this.hold(key);
    const result = new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.running += 1;
        // A synchronous throw in work() must release the slot like a rejection does.
        Promise.resolve()
          .then(work)
          .then(resolve, reject)
          .finally(() => {
            this.running -= 1;
            this.release(key);
            this.queue.shift()?.start();
          });
      };
      if (startNow) start();
      else this.queue.push({ key, start });
    });
    return { admitted: true, result };
  }

  private hold(key: string | undefined): void {
    if (key !== undefined) this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
  }

  private release(key: string | undefined): void {
    if (key === undefined) return;
    const left = (this.perKey.get(key) ?? 1) - 1;
    if (left <= 0) this.perKey.delete(key);
    else this.perKey.set(key, left);
  }
}
