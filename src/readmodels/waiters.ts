import { ReadModelTimeoutError } from './errors.js';

interface Waiter {
  readonly position: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Callers waiting for the read models to reach a log position (`waitForPosition`: a command's caller
 * reads its own write). Settled after each commit, rejected all at once when the runner stops or fails.
 */
export class PositionWaiters {
  private readonly waiters = new Set<Waiter>();

  /** `current` is asked again at the timeout, so the error says how far the runner got. */
  wait(position: number, timeoutMs: number, current: () => number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        position,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new ReadModelTimeoutError(position, current(), timeoutMs));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** The runner reached `position`: resolves every waiter at or below it. */
  settle(position: number): void {
    for (const waiter of this.waiters) {
      if (waiter.position > position) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.resolve();
    }
  }

  rejectAll(error: Error): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.waiters.clear();
  }
}
