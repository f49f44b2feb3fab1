import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import { z, type ZodType, type ZodTypeDef } from 'zod';
import type { Database } from '../../projections/database.js';
import { currentUser } from '../auth/index.js';
import type { Actor } from '../commands/command.js';
import type { ResourceCommands, ResourceContext } from '../commands/resource.js';
import { pathParam } from './body.js';
import { accepts } from './route-input.js';
import { reply } from './envelope.js';
import { NotFoundError } from '../events/errors.js';
import { readDb } from './point-in-time.js';

/**
 * The REST face of a backend-owned resource: `GET <path>` (the list), `POST <path>`, and
 * `GET|PUT|DELETE <path>/:uuid`. Reads answer from the read models (as of `at=` when given: ARCHITECTURE.md
 * "Point in time"); writes go through the resource's commands (src/commands/resource.ts), which answer once
 * the read models show them. An unknown or deleted object is 404 `no <what> <uuid>`.
 */

type Schema<T> = ZodType<T, ZodTypeDef, unknown>;

export interface ResourceRouteSpec<O, TCreate, TUpdate, TDelete, TList = undefined> {
  /** The collection's path (`/ob/plans`). */
  readonly path: string;
  /** More paths of one object besides `<path>/:uuid` (a singular alias). */
  readonly itemAliases?: readonly string[];
  /** The object's name in a 404's message. */
  readonly what: string;
  readonly schema: { readonly create: Schema<TCreate>; readonly update: Schema<TUpdate> };
  /** The delete's options: the query string, validated (`noOptions` when it takes none). */
  readonly deleteQuery: Schema<TDelete>;
  /** The list's query parameters, validated; absent: the list takes none. */
  readonly listQuery?: Schema<TList>;
  readonly commands: ResourceCommands<O, TCreate, TUpdate, TDelete>;
  readonly queries: {
    /** The list; `query` as `listQuery` validated it. */
    list(db: Kysely<Database>, query: TList): Promise<readonly O[]>;
    get(db: Kysely<Database>, uuid: string): Promise<O | undefined>;
  };
  /** The live read models (`readDb` swaps in a past state for `at=`). */
  readonly db: Kysely<Database>;
  readonly context: (actor: Actor) => ResourceContext;
}

/** The delete of a resource that takes no options. */
export const noOptions = z.object({});

export function resourceRoutes<O, TCreate, TUpdate, TDelete, TList = undefined>(router: Router, spec: ResourceRouteSpec<O, TCreate, TUpdate, TDelete, TList>): void {
  const { commands, queries, schema, what } = spec;
  // The same schemas validate the requests and describe them in the OpenAPI document (route-input.ts).
  const listInput = accepts<never, TList>({ summary: `List ${what}s`, ...(spec.listQuery ? { query: spec.listQuery } : {}) });
  const createInput = accepts({ summary: `Create a ${what}`, body: schema.create });
  const updateInput = accepts({ summary: `Change a ${what}`, body: schema.update });
  const deleteInput = accepts({ summary: `Delete a ${what}`, query: spec.deleteQuery });
  const uuidOf = (ctx: Context): string => pathParam(ctx, 'uuid');
  const context = (ctx: Context): ResourceContext => spec.context(currentUser(ctx));

  // Refusals (CommandRefusal, NotFoundError, ...) go on to the one error table (error-middleware.ts).
  router.get(spec.path, listInput, async (ctx) => reply(ctx, { list: await queries.list(readDb(ctx, spec.db), listInput.query(ctx)) }));
  router.post(spec.path, createInput, async (ctx) => reply(ctx, await commands.create(context(ctx), createInput.body(ctx))));
  for (const item of [`${spec.path}/:uuid`, ...(spec.itemAliases ?? [])]) {
    router.get(
      item,
      async (ctx) => {
        const object = await queries.get(readDb(ctx, spec.db), uuidOf(ctx));
        if (object === undefined) throw new NotFoundError({ kind: spec.what, id: uuidOf(ctx) });
        reply(ctx, object);
      },
    );
    router.put(item, updateInput, async (ctx) => reply(ctx, await commands.update(context(ctx), uuidOf(ctx), updateInput.body(ctx))));
    router.delete(item, deleteInput, async (ctx) => reply(ctx, await commands.delete(context(ctx), uuidOf(ctx), deleteInput.query(ctx))));
  }
}
