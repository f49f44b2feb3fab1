import { AmbiguousNodeError } from '../../src/events/errors.js';
import type { RecordedEvent } from '../../src/events/index.js';
import type { ProjectionDefinition, ProjectionState, RowChange, TableRows, TableSpec } from './projection.js';

/**
 * Several Asterisk boxes feed one log (README "Several Asterisk boxes"): every live row belongs to the box
 * (`node`) whose event made it, and two boxes' rows never meet. Rather than teach each projection about
 * boxes, `nodeScoped` runs it unchanged over a view of one box's rows:
 *
 * - an event's box is its `metadata.node` (every AMI event has one); the projection reads only that box's rows
 *   (`get` by its own key, `all` filtered), so a snapshot reconciles that box alone and never deletes another's;
 * - each row it returns is stored under `row_key` = `<node>/<its own key>` with `node` beside it: names two boxes
 *   share (a queue, a module, an endpoint, the system) stay two rows.
 *
 * An event without a node (jade's own facts about a live row: an AGI command asked, a dialplan run, a voicemail
 * spool scan) reads every box's rows, each found by its own key, and writes back to the box of the row it read.
 */

/** What every node-scoped row carries besides the projection's own fields. */
export interface NodeFields {
  /** The Asterisk box (`ami.nodes[].node`) whose events made this row. */
  readonly node: string;
  /** The stored key: `<node>/<the projection's key>`. */
  readonly row_key: string;
}

export type Noded<Row> = Row & NodeFields;
export type NodedRows<TRows extends TableRows> = { readonly [T in keyof TRows]: Noded<TRows[T]> };

/** The stored key of a box's row. Node names hold no `/` (config.ts), so the prefix is unambiguous. */
export const nodeRowKey = (node: string, key: string): string => `${node}/${key}`;

export interface NodeScopedProjection<TRows extends TableRows, TName extends string> extends ProjectionDefinition<NodedRows<TRows>, TName> {
  /** The projection as written (one box's view): unit tests of its logic drive this. */
  readonly inner: ProjectionDefinition<TRows, TName>;
}

type Loose = Record<string, unknown>;

function strip(row: object | undefined): Loose | undefined {
  if (row === undefined) return undefined;
  const { node: _node, row_key: _key, ...own } = row as Loose;
  return own;
}

export function nodeScoped<TRows extends TableRows, TName extends string>(inner: ProjectionDefinition<TRows, TName>): NodeScopedProjection<TRows, TName> {
  const ownKeys = new Map<string, string>(Object.entries(inner.tables as Record<string, TableSpec>).map(([table, spec]) => [table, spec.key]));
  const tables = Object.fromEntries(Object.entries(inner.tables as Record<string, TableSpec>).map(([table, spec]) => [table, { ...spec, key: 'row_key' }]));
  type OuterState = ProjectionState<NodedRows<TRows>>;
  type InnerChange = RowChange<TRows>;

  const stamp = (change: InnerChange, node: string): RowChange<NodedRows<TRows>> => {
    const rowKey = nodeRowKey(node, change.key);
    return { ...change, key: rowKey, row: { ...change.row, node, row_key: rowKey } } as unknown as RowChange<NodedRows<TRows>>;
  };

  // One view per box, made once: this runs for every AMI event, and the view only needs the batch's state.
  let current: OuterState | undefined;
  const views = new Map<string, ProjectionState<TRows>>();
  const viewOf = (node: string): ProjectionState<TRows> => {
    let view = views.get(node);
    if (view === undefined) {
      view = {
        get: (table: string, key: string) => strip(current!.get(table, nodeRowKey(node, key))),
        all: (table: string) => current!.all(table).filter((row) => (row as Loose).node === node).map((row) => strip(row)!),
      } as unknown as ProjectionState<TRows>;
      views.set(node, view);
    }
    return view;
  };

  /** The usual case: an event of one box, over that box's rows only. */
  const withinNode = (state: OuterState, event: RecordedEvent, node: string): RowChange<NodedRows<TRows>>[] => {
    current = state;
    try {
      return inner.project(viewOf(node), event).map((change) => stamp(change, node));
    } finally {
      current = undefined;
    }
  };

  /** A node-less event: rows found across boxes by their own key; each change goes back to the box it was read from. */
  const acrossNodes = (state: OuterState, event: RecordedEvent): RowChange<NodedRows<TRows>>[] => {
    const owners = new Map<string, string>();
    let firstOwner: string | undefined;
    const view = {
      get: (table: string, key: string) => {
        const column = ownKeys.get(table)!;
        const found = state.all(table).find((row) => (row as Loose)[column] === key) as Loose | undefined;
        if (found === undefined) return undefined;
        const node = String(found.node);
        owners.set(`${table}\u0000${key}`, node);
        firstOwner ??= node;
        return strip(found);
      },
      all: (table: string) => {
        const column = ownKeys.get(table)!;
        return state.all(table).map((row) => {
          const id = `${table}\u0000${String((row as Loose)[column])}`;
          if (!owners.has(id)) owners.set(id, String((row as Loose).node));
          return strip(row)!;
        });
      },
    } as unknown as ProjectionState<TRows>;
    return inner.project(view, event).map((change) => stamp(change, owners.get(`${change.table}\u0000${change.key}`) ?? firstOwner ?? ''));
  };

  return {
    name: inner.name,
    version: inner.version,
    tables: tables as unknown as NodeScopedProjection<TRows, TName>['tables'],
    handles: inner.handles,
    handlesStreams: inner.handlesStreams,
    inner,
    project(state, event) {
      const node = event.metadata.node;
      return typeof node === 'string' && node !== '' ? withinNode(state, event, node) : acrossNodes(state, event);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reads: a row as the API shows it (`node`, never the storage key), and a single object among boxes.

/** The row without its storage key: `node` stays, it is part of every live object. */
export function publicRow<Row extends { readonly row_key?: string }>(row: Row): Omit<Row, 'row_key'> {
  const { row_key: _key, ...rest } = row;
  return rest;
}

/**
 * The one row a single-object GET answers, among the rows of that id on every box: those of `node` when
 * given; otherwise the only box having it, and AmbiguousNodeError (409) when several do.
 */
export function oneOfNodes<Row extends { readonly node: string }>(rows: readonly Row[], what: { readonly kind: string; readonly id: string }, node?: string): Row | undefined {
  const candidates = node === undefined ? rows : rows.filter((row) => row.node === node);
  if (candidates.length > 1) throw new AmbiguousNodeError(what.kind, what.id, candidates.map((row) => row.node));
  return candidates[0];
}
