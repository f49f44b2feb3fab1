import type { AmiFields } from '../../src/events/index.js';
import { field, floatField, intField } from './ami-fields.js';

/**
 * Reading an AMI item or event into a row's columns through a field table (column <- header, typed),
 * so a projection states which header fills which column once instead of a loop per type.
 */

type Data = AmiFields | Readonly<Record<string, unknown>>;

/** A header's text read into a column value; undefined when the text is not such a value. */
export type FieldReader = (text: string) => unknown;

/**
 * How a header's text becomes a column value: `int`/`float` as ami-fields reads them (safe integers, finite
 * numbers), `bool` as Asterisk prints flags (`1`/`true`/`yes` -> 1, `0`/`false`/`no` -> 0), `json` parsed;
 * a function for a reading of the projection's own.
 */
export type FieldType = 'string' | 'int' | 'float' | 'bool' | 'json' | FieldReader;

/** One column filled from one header. */
export type FieldSpec<Row> = readonly [column: keyof Row & string, header: string, type: FieldType];
export type FieldTable<Row> = readonly FieldSpec<Row>[];

export interface ReadOptions {
  /**
   * A header that is there but does not read as its type: `absent` (default) leaves the column as it was
   * (an event garbled in one header must not blank it); `null` blanks it (the item is the whole truth).
   */
  readonly unreadable?: 'absent' | 'null';
  /** A header the item lacks: `absent` (default: a partial event changes only what it carries) or `null`. */
  readonly missing?: 'absent' | 'null';
}

function readBool(text: string): number | undefined {
  const value = text.trim().toLowerCase();
  if (value === '1' || value === 'true' || value === 'yes') return 1;
  if (value === '0' || value === 'false' || value === 'no') return 0;
  return undefined;
}

function readJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The header's value by type; undefined when unreadable. Assumes the header is there (a string). */
function readValue(data: Data, header: string, type: FieldType): unknown {
  switch (type) {
    case 'string':
      return field(data, header);
    case 'int':
      return intField(data, header);
    case 'float':
      return floatField(data, header);
    case 'bool':
      return readBool(field(data, header) ?? '');
    case 'json':
      return readJson(field(data, header) ?? '');
    default:
      return type(field(data, header) ?? '');
  }
}

/** The columns of `table` that `data` fills, in table order. */
export function readFields<Row>(data: Data, table: FieldTable<Row>, options: ReadOptions = {}): Partial<Row> {
  const out: Record<string, unknown> = {};
  for (const [column, header, type] of table) {
    if (field(data, header) === undefined) {
      if (options.missing === 'null') out[column] = null;
      continue;
    }
    const value = readValue(data, header, type);
    if (value !== undefined) out[column] = value;
    else if (options.unreadable === 'null') out[column] = null;
  }
  return out as Partial<Row>;
}

/** The headers a table reads, and any more named: what is left of an item is beyond the table. */
export function headersOf<Row>(table: FieldTable<Row>, more: readonly string[] = []): ReadonlySet<string> {
  return new Set([...table.map(([, header]) => header), ...more]);
}
