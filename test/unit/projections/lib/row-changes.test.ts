import { expect } from 'chai';
import type { ProjectionState } from '../../../../projections/lib/projection.js';
import { deleteUnlisted, reconcileList, upsert, upsertStamped } from '../../../../projections/lib/row-changes.js';

interface Item {
  readonly id: string;
  readonly value: number;
  readonly tags: readonly string[];
  readonly tm_update: string;
}
interface Plain {
  readonly id: string;
  readonly extra: Readonly<Record<string, string>>;
}
type Tables = { items: Item; plain: Plain };

function stateOf(rows: { items?: Item[]; plain?: Plain[] }): ProjectionState<Tables> {
  const tables = { items: rows.items ?? [], plain: rows.plain ?? [] };
  return {
    get: (table, key) => (tables[table] as { id: string }[]).find((row) => row.id === key) as never,
    all: (table) => tables[table] as never,
  };
}

const item = (id: string, value: number, tm_update = 't0'): Item => ({ id, value, tags: ['a'], tm_update });

describe('projections/lib/row-changes: a change only when the row changed', () => {
  it('upsert: create when absent, nothing when equal by value (JSON columns too, key order aside), update otherwise', () => {
    const state = stateOf({ plain: [{ id: 'p', extra: { a: '1', b: '2' } }] });
    expect(upsert(state, 'plain', 'q', { id: 'q', extra: {} })).to.deep.equal([{ table: 'plain', op: 'create', key: 'q', row: { id: 'q', extra: {} } }]);
    expect(upsert(state, 'plain', 'p', { id: 'p', extra: { b: '2', a: '1' } })).to.deep.equal([]);
    expect(upsert(state, 'plain', 'p', { id: 'p', extra: { a: '1' } })).to.deep.equal([{ table: 'plain', op: 'update', key: 'p', row: { id: 'p', extra: { a: '1' } } }]);
  });

  it('upsertStamped: tm_update is no difference, and a change carries the new time (in place when the row has the column)', () => {
    const state = stateOf({ items: [item('x', 1)] });
    expect(upsertStamped(state, 'items', 'x', item('x', 1, 'older'), 't1')).to.deep.equal([]);
    expect(upsertStamped(state, 'items', 'x', { id: 'x', value: 1, tags: ['a'] }, 't1')).to.deep.equal([]);
    const [changed] = upsertStamped(state, 'items', 'x', item('x', 2), 't1');
    expect(changed).to.deep.equal({ table: 'items', op: 'update', key: 'x', row: item('x', 2, 't1') });
    expect(Object.keys(changed!.row)).to.deep.equal(['id', 'value', 'tags', 'tm_update']);
    expect(upsertStamped(state, 'items', 'y', { id: 'y', value: 3, tags: [] }, 't1')).to.deep.equal([
      { table: 'items', op: 'create', key: 'y', row: { id: 'y', value: 3, tags: [], tm_update: 't1' } },
    ]);
  });

  it('deleteUnlisted: deletes each row whose key is not listed, carrying the row as it was', () => {
    const state = stateOf({ items: [item('a', 1), item('b', 2)] });
    expect(deleteUnlisted(state, 'items', (row) => row.id, new Set(['a']))).to.deep.equal([{ table: 'items', op: 'delete', key: 'b', row: item('b', 2) }]);
  });

  it('reconcileList: each listed key once (the first item wins), in list order, then the deletes', () => {
    const state = stateOf({ items: [item('a', 1), item('b', 2)] });
    const list = [{ id: 'c', value: 5 }, { id: 'a', value: 9 }, { id: 'c', value: 6 }, { id: '', value: 7 }];
    const changes = reconcileList(state, 'items', {
      items: list,
      itemKey: (entry) => entry.id || undefined,
      apply: (entry, key) => upsertStamped(state, 'items', key, { id: key, value: entry.value, tags: ['a'] }, 't1'),
      rowKey: (row) => row.id,
    });
    expect(changes.map((change) => [change.op, change.key, (change.row as Item).value])).to.deep.equal([
      ['create', 'c', 5],
      ['update', 'a', 9],
      ['delete', 'b', 2],
    ]);
  });
});
