import type { ReadModelSync } from '../commands/command.js';
import type { ProjectionRunner } from './runner.js';

/** Read-your-writes for commands: a position to reach, or a condition on the read models re-checked after each batch. */
export function createReadModelSync<C>(runner: ProjectionRunner<C>): ReadModelSync {
  return {
    waitForPosition: (position, timeoutMs) => runner.waitForPosition(position, timeoutMs),
    waitUntil(condition, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        let done = false;
        let checking = false;
        // A batch that commits while a check runs may be what the condition waits for, and that check may
        // have read the state before it: check once more when it ends, or the wait would miss it.
        let recheck = false;
        const finish = (error?: Error): void => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          off();
          if (error) reject(error);
          else resolve();
        };
        const check = (): void => {
          if (done) return;
          if (checking) {
            recheck = true;
            return;
          }
          checking = true;
          recheck = false;
          Promise.resolve(condition()).then(
            (ok) => {
              checking = false;
              if (ok) finish();
              else if (recheck) check();
            },
            (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
          );
        };
        const timer = setTimeout(() => finish(new Error(`read models did not show the expected state within ${timeoutMs} ms`)), timeoutMs);
        const off = runner.changes.on('batch', check);
        check();
      });
    },
  };
}
