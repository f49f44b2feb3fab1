/**
 * The change feed: every row change the runner commits, in log order, after the commit.
 * The realtime layer subscribes here and nowhere else, so what dashboards see is exactly what is stored.
 * Rows are shared with the runner's row cache: treat them as immutable (their types are readonly).
 * Listeners run synchronously right after the commit: keep them short (queue work, don't do it here).
 */

export interface ChangeBatch<C> {
  /** In the order they were applied (log order; within one event, projection order). */
  readonly changes: readonly C[];
  /** The log position the read models reached with this commit. */
  readonly position: number;
}

export interface ChangeFeedEvents<C> {
  /** One row change. */
  change: (change: C) => void;
  /** All changes of one commit, after their `change` events (not emitted for commits without changes). */
  batch: (batch: ChangeBatch<C>) => void;
  /** The read models reached a position (every commit, with or without changes). */
  position: (position: number) => void;
  /** The runner stopped on an error; no more changes until it is started again. */
  error: (error: Error) => void;
}

type Listeners<C> = { [K in keyof ChangeFeedEvents<C>]: Set<ChangeFeedEvents<C>[K]> };

/**
 * A typed, EventEmitter-like feed. Unlike EventEmitter, a throwing listener cannot break the runner or
 * starve the listeners after it: the commit already happened, so its error is only reported.
 */
export class ChangeFeed<C> {
  private readonly listeners: Listeners<C> = { change: new Set(), batch: new Set(), position: new Set(), error: new Set() };

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  /** Returns a function that removes the listener. */
  on<K extends keyof ChangeFeedEvents<C>>(event: K, listener: ChangeFeedEvents<C>[K]): () => void {
    this.listeners[event].add(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof ChangeFeedEvents<C>>(event: K, listener: ChangeFeedEvents<C>[K]): void {
    this.listeners[event].delete(listener);
  }

  listenerCount(event: keyof ChangeFeedEvents<C>): number {
    return this.listeners[event].size;
  }

  /** @internal The runner's side. */
  publish(changes: readonly C[], position: number): void {
    if (changes.length > 0) {
      if (this.listeners.change.size > 0) for (const change of changes) this.call(this.listeners.change, change);
      this.call(this.listeners.batch, { changes, position });
    }
    this.call(this.listeners.position, position);
  }

  /** @internal */
  fail(error: Error): void {
    this.call(this.listeners.error, error);
  }

  private call<A>(listeners: ReadonlySet<(arg: A) => void>, arg: A): void {
    for (const listener of listeners) {
      try {
        listener(arg);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
