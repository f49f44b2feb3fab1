import { sql, type RawBuilder } from 'kysely';

/**
 * One API object (the manual's channel, AGI, ...) declared once, field by field in wire order, and rendered two
 * ways that agree key for key and value for value: as a JS object (realtime payloads, and REST paths that need
 * objects) and as SQLite `json_object(...)` (REST answers: building the JSON in SQLite is ~2.5x faster than
 * objects + JSON.stringify, bench/http-channels.ts). A new field is one edit here, not one per path.
 */

/** A field computed at read time (`duration`): the same value in JS and in SQL, as of `now` (an API timestamp). */
export interface ComputedField<Row, Value> {
  js(row: Row, now: string): Value;
  sql(now: string): RawBuilder<unknown>;
}

export interface ApiObjectSpec<Row, Columns extends readonly (keyof Row & string)[], Computed extends object> {
  /** The row's columns, in wire order. A column left out is not in the object (and its type says so). */
  readonly columns: Columns;
  /** Columns the table stores as JSON text and the row holds as objects: `json(column)` in SQL, so they nest. */
  readonly json?: readonly Columns[number][];
  /** Fields computed at read time, after the columns. */
  readonly computed?: { readonly [K in keyof Computed]: ComputedField<Row, Computed[K]> };
}

/** `now` (an API timestamp) is asked for only by an object with computed fields. */
type ReadTime<Computed> = keyof Computed extends never ? [] : [now: string];

export interface ApiObject<Row, Object, Now extends unknown[]> {
  toObject(row: Row, ...now: Now): Object;
  /** The object of one row of the table as SQLite JSON text (as of `now`). */
  jsonSql(...now: Now): RawBuilder<string>;
}

/** Computed fields exist only where the type asks for `now`; a call without it there is a bug, not "no time". */
function readTime(now: string | undefined): string {
  if (now === undefined) throw new Error('an API object with computed fields needs the read time');
  return now;
}

/** Column names come from the declaration, never from input; still, only plain identifiers reach SQL text. */
function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a column name: ${name}`);
  return name;
}

/** `defineApiObject<ChannelRow>()({columns, json, computed})`: the row type given, the rest inferred from the declaration. */
export function defineApiObject<Row>() {
  return <const Columns extends readonly (keyof Row & string)[], Computed extends object = Record<never, never>>(
    spec: ApiObjectSpec<Row, Columns, Computed>,
  ): ApiObject<Row, Pick<Row, Columns[number]> & Computed, ReadTime<Computed>> => renderer(spec);
}

function renderer<Row, Columns extends readonly (keyof Row & string)[], Computed extends object>(
  spec: ApiObjectSpec<Row, Columns, Computed>,
): ApiObject<Row, Pick<Row, Columns[number]> & Computed, ReadTime<Computed>> {
  const json = new Set<string>(spec.json ?? []);
  const computed = Object.entries(spec.computed ?? {}) as [string, ComputedField<Row, unknown>][];
  const columnPairs = spec.columns.map((name) => {
    const column = identifier(name);
    return json.has(column) ? `'${column}', json(${column})` : `'${column}', ${column}`;
  });
  const staticPart = sql.raw(columnPairs.join(', '));
  return {
    toObject(row, ...[now]) {
      const object: Record<string, unknown> = {};
      for (const column of spec.columns) object[column] = row[column];
      for (const [name, field] of computed) object[name] = field.js(row, readTime(now));
      return object as Pick<Row, Columns[number]> & Computed;
    },
    jsonSql(...[now]) {
      const parts = [staticPart, ...computed.map(([name, field]) => sql`${sql.raw(`'${identifier(name)}'`)}, ${field.sql(readTime(now))}`)];
      return sql<string>`json_object(${sql.join(parts, sql`, `)})`;
    },
  };
}
