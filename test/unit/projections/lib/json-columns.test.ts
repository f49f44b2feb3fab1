import { expect } from 'chai';
import { jsonColumns } from '../../../../projections/lib/json-columns.js';

interface Row {
  readonly id: string;
  readonly list: readonly string[];
  readonly hangup: { readonly by: string } | null;
  readonly tm_update: string;
}

describe('projections/lib/json-columns: objects in a row, TEXT in SQLite', () => {
  const columns = jsonColumns<Row, 'list' | 'hangup'>(['list', 'hangup']);

  it('names the columns for the TableSpec', () => {
    expect(columns.names).to.deep.equal(['list', 'hangup']);
  });

  it('parses each JSON column of a stored row in place, leaving the others and a NULL as they are', () => {
    const row = columns.fromStored({ id: 'x', list: '["a","b"]', hangup: '{"by":"api"}', tm_update: 't' });
    expect(row).to.deep.equal({ id: 'x', list: ['a', 'b'], hangup: { by: 'api' }, tm_update: 't' });
    expect(Object.keys(row)).to.deep.equal(['id', 'list', 'hangup', 'tm_update']);
    expect(columns.fromStored({ id: 'y', list: '[]', hangup: null, tm_update: 't' }).hangup).to.equal(null);
  });
});
