import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '../../projections/lib/lifecycle.js';
import type { EventMetadata, JadeEvent } from '../events/index.js';
import { nowTimestamp } from '../events/time.js';
import { ConcurrencyError, type EventStore, type ExpectedRevision } from '../eventstore/port.js';
import { Mutex } from '../mutex.js';
import type { Actor, ReadModelSync } from './command.js';

/**
 * The command path of backend-owned resources (outbound plans and campaigns; people and configuration
 * objects next). These commands never touch Asterisk, so they skip `executeCommand`'s request/outcome
 * records: each is decided against its object's stream and recorded there. Per command: load the stream
 * and fold it, decide (a pure function that returns events or throws a refusal), append with the revision
 * that was folded (a concurrent writer, e.g. the dialer taking an entry, makes the append fail: load and
 * decide again), then answer once the read models reached the appended position, so a GET right after
 * sees the change.
 *
 * Cross-object rules (a campaign's plan must exist; a plan still referenced needs `force`) read other
 * streams and the read models. API commands run one at a time (`command`), each waiting for its read-model
 * position before the next starts, so those reads always include every earlier command's effect.
 */

/** Where a kind's objects live and how their streams fold. */
export interface ResourceStream<S> {
  readonly stream: (uuid: string) => string;
  readonly evolve: (state: S | undefined, event: StoredEvent) => S | undefined;
}

/** An event as a decider returns it; the command path adds the metadata. */
export interface DecidedEvent {
  readonly type: string;
  readonly data: unknown;
}

export type Decision = readonly DecidedEvent[] | Promise<readonly DecidedEvent[]>;

/** Who asked, and which request: the metadata of every event a command appends (ARCHITECTURE.md "Events and streams"). */
export interface ResourceContext {
  readonly commandId: string;
  readonly userId: string;
  readonly correlationId: string;
}

/** What one decision did: the object's state after it, and where its events landed in the log. */
export interface Executed<S> {
  readonly state: S | undefined;
  /** Global position of the last appended event; undefined when the decision recorded nothing. */
  readonly position: number | undefined;
}

export interface ResourceCommandDeps {
  readonly store: EventStore;
  readonly readModels: Pick<ReadModelSync, 'waitForPosition'>;
  readonly settleTimeoutMs: number;
  /** Tests: fixed times and ids. */
  readonly now?: () => string;
  readonly newUuid?: () => string;
}

/** Attempts of load-decide-append when another writer appended to the stream in between. */
const MAX_ATTEMPTS = 5;

/** Parallel cascade steps (a dlma delete with `delete_dls` deletes each entry in its own stream). */
const CASCADE_CONCURRENCY = 32;

export class ResourceCommandPath {
  private readonly lock = new Mutex();
  readonly now: () => string;
  readonly newUuid: () => string;

  constructor(private readonly deps: ResourceCommandDeps) {
    this.now = deps.now ?? nowTimestamp;
    this.newUuid = deps.newUuid ?? randomUUID;
  }

  /** A context for one API request by `actor`. */
  context(actor: Actor): ResourceContext {
    const commandId = this.newUuid();
    return { commandId, userId: actor.uuid, correlationId: commandId };
  }

  /** One API command: under the lock, and answered once the read models show every position `work` collected. */
  command<T>(work: (positions: number[]) => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      const positions: number[] = [];
      const result = await work(positions);
      if (positions.length > 0) await this.deps.readModels.waitForPosition(Math.max(...positions), this.deps.settleTimeoutMs);
      return result;
    });
  }

  /** The object a command answers with: its state after the command (what the read model now holds, or held before a delete). */
  answer<S>(done: Executed<S>, positions: number[]): S {
    if (done.position !== undefined) positions.push(done.position);
    // Every decider either refuses or leaves a state: a command never answers with nothing.
    if (done.state === undefined) throw new Error('resource command left no object');
    return done.state;
  }

  /** Folds a stream; `revision` is what the next append expects. */
  async load<S>(kind: ResourceStream<S>, uuid: string): Promise<{ state: S | undefined; revision: ExpectedRevision }> {
    const events = await this.deps.store.readStream(kind.stream(uuid));
    const state = events.reduce<S | undefined>(kind.evolve, undefined);
    const last = events[events.length - 1];
    return { state, revision: last === undefined ? 'no_stream' : last.revision };
  }

  /** Load, decide, append with the folded revision; on a concurrent append, again from the load. */
  async execute<S>(ctx: ResourceContext, kind: ResourceStream<S>, uuid: string, decide: (state: S | undefined) => Decision): Promise<Executed<S>> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.executeFrom(ctx, kind, uuid, await this.load(kind, uuid), decide);
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Decide against a state already folded (`loaded`) and append at its revision, once: a concurrent append
   * throws `ConcurrencyError`, for a caller whose own choice came from that state and must be made again.
   */
  async executeFrom<S>(
    ctx: ResourceContext,
    kind: ResourceStream<S>,
    uuid: string,
    loaded: { readonly state: S | undefined; readonly revision: ExpectedRevision },
    decide: (state: S | undefined) => Decision,
  ): Promise<Executed<S>> {
    const metadata: EventMetadata = { commandId: ctx.commandId, userId: ctx.userId, correlationId: ctx.correlationId };
    const { state, revision } = loaded;
    const events = await decide(state);
    if (events.length === 0) return { state, position: undefined };
    // Event data are the plain objects of src/events/; the store keeps them as JSON records.
    const records: JadeEvent[] = events.map((event) => ({ type: event.type, data: event.data as Record<string, unknown>, metadata }));
    const appended = await this.deps.store.append(kind.stream(uuid), records, revision);
    return { state: events.reduce<S | undefined>(kind.evolve, state), position: appended.lastPosition };
  }

  /** One decision on each of many objects of a kind (a cascade), a few at a time; returns the positions appended. */
  async executeEach<S>(
    ctx: ResourceContext,
    kind: ResourceStream<S>,
    uuids: readonly string[],
    decide: (uuid: string, state: S | undefined) => Decision,
  ): Promise<number[]> {
    const done = await mapLimited(uuids, CASCADE_CONCURRENCY, (uuid) => this.execute(ctx, kind, uuid, (state) => decide(uuid, state)));
    return done.flatMap((step) => (step.position === undefined ? [] : [step.position]));
  }
}

/** `fn` over `items`, at most `limit` at a time; results in item order. Concurrent appends share the store's group commits. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// ---------------------------------------------------------------------------------------------------
// Create, update, delete of one kind, from its declaration.

/** What a delete is decided on: the request's options, what other objects say (`facts`), and the command's time. */
export interface DeleteInput<TOptions, TFacts> {
  readonly uuid: string;
  readonly options: TOptions;
  readonly facts: TFacts;
  readonly now: string;
}

export interface ResourceDeclaration<S, TCreate, TUpdate, TDelete, TFacts> {
  readonly kind: ResourceStream<S>;
  /** `uuid` is fresh; `body` the validated request. */
  create(state: S | undefined, input: { readonly uuid: string; readonly body: TCreate; readonly now: string }): Decision;
  update(state: S | undefined, input: { readonly uuid: string; readonly body: TUpdate; readonly now: string }): Decision;
  readonly delete: {
    /** What the decision needs from other objects (read models), read once before deciding. */
    facts?(uuid: string, options: TDelete): Promise<TFacts>;
    decide(state: S | undefined, input: DeleteInput<TDelete, TFacts>): Decision;
    /**
     * What the delete does to other objects (clears their references, deletes its entries), returning the
     * positions appended. It runs after a first decision accepted the delete, so a refused request changes
     * nothing, and before the object's own event, so a failure half-way leaves it to be deleted again.
     */
    cascade?(ctx: ResourceContext, input: DeleteInput<TDelete, TFacts>): Promise<number[]>;
  };
}

/** The API commands of one kind: each answers with the object as the read model now holds it. */
export interface ResourceCommands<S, TCreate, TUpdate, TDelete> {
  create(ctx: ResourceContext, body: TCreate): Promise<S>;
  update(ctx: ResourceContext, uuid: string, body: TUpdate): Promise<S>;
  delete(ctx: ResourceContext, uuid: string, options: TDelete): Promise<S>;
}

export function resourceCommands<S, TCreate, TUpdate, TDelete, TFacts = undefined>(
  path: ResourceCommandPath,
  declaration: ResourceDeclaration<S, TCreate, TUpdate, TDelete, TFacts>,
): ResourceCommands<S, TCreate, TUpdate, TDelete> {
  const { kind } = declaration;
  return {
    create(ctx, body) {
      const uuid = path.newUuid();
      return path.command(async (positions) => {
        const done = await path.execute(ctx, kind, uuid, (state) => declaration.create(state, { uuid, body, now: path.now() }));
        return path.answer(done, positions);
      });
    },
    update(ctx, uuid, body) {
      return path.command(async (positions) => {
        const done = await path.execute(ctx, kind, uuid, (state) => declaration.update(state, { uuid, body, now: path.now() }));
        return path.answer(done, positions);
      });
    },
    delete(ctx, uuid, options) {
      const { facts, decide, cascade } = declaration.delete;
      return path.command(async (positions) => {
        const now = path.now();
        const input: DeleteInput<TDelete, TFacts> = { uuid, options, now, facts: (facts ? await facts(uuid, options) : undefined) as TFacts };
        const decideDelete = (state: S | undefined): Decision => decide(state, input);
        if (cascade) {
          await decideDelete((await path.load(kind, uuid)).state);
          positions.push(...(await cascade(ctx, input)));
        }
        return path.answer(await path.execute(ctx, kind, uuid, decideDelete), positions);
      });
    },
  };
}
