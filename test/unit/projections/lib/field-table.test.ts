import { expect } from 'chai';
import { headersOf, readFields, type FieldTable } from '../../../../projections/lib/field-table.js';

interface Row {
  readonly name: string;
  readonly count: number | null;
  readonly ratio: number | null;
  readonly paused: number | null;
  readonly tags: readonly string[] | null;
  readonly loud: number | null;
}

const table: FieldTable<Row> = [
  ['name', 'Name', 'string'],
  ['count', 'Count', 'int'],
  ['ratio', 'Ratio', 'float'],
  ['paused', 'Paused', 'bool'],
  ['tags', 'Tags', 'json'],
  ['loud', 'Volume', (text) => (text === 'max' ? 11 : undefined)],
];

describe('projections/lib/field-table: column <- header, typed', () => {
  it('reads each header by its type, in table order', () => {
    const row = readFields({ Volume: 'max', Tags: '["a","b"]', Paused: 'Yes', Ratio: '3.000000', Count: '42', Name: 'sales' }, table);
    expect(row).to.deep.equal({ name: 'sales', count: 42, ratio: 3, paused: 1, tags: ['a', 'b'], loud: 11 });
    expect(Object.keys(row)).to.deep.equal(['name', 'count', 'ratio', 'paused', 'tags', 'loud']);
  });

  it('reads flags as Asterisk prints them: 1/true/yes and 0/false/no, nothing else', () => {
    const read = (text: string) => readFields({ Paused: text }, table).paused;
    expect(['1', 'true', 'YES', ' yes '].map(read)).to.deep.equal([1, 1, 1, 1]);
    expect(['0', 'false', 'No'].map(read)).to.deep.equal([0, 0, 0]);
    expect(['', 'on', 'maybe'].map(read)).to.deep.equal([undefined, undefined, undefined]);
  });

  it('leaves absent headers absent, and by default a garbled one too (a partial event must not blank a column)', () => {
    const row = readFields({ Count: 'many', Ratio: '1e999', Tags: '{not json', Paused: '', Volume: 'low', Other: 'x' }, table);
    expect(row).to.deep.equal({});
    expect(readFields({ Count: 4 }, table), 'a value that is no string is no header').to.deep.equal({});
  });

  it('blanks a garbled header with unreadable: null, and every absent one with missing: null', () => {
    expect(readFields({ Count: 'many', Name: 'x' }, table, { unreadable: 'null' })).to.deep.equal({ name: 'x', count: null });
    expect(readFields({ Count: '7' }, table, { missing: 'null' })).to.deep.equal({ name: null, count: 7, ratio: null, paused: null, tags: null, loud: null });
  });

  it('names the headers a table reads, and more', () => {
    expect([...headersOf(table, ['ObjectName'])]).to.deep.equal(['Name', 'Count', 'Ratio', 'Paused', 'Tags', 'Volume', 'ObjectName']);
  });
});
