/**
 * Prints the "AMI event -> stream -> projections" table of the README (section between its event-table markers).
 *
 *   npx tsx scripts/event-table.ts            print the table
 *   npm run docs:event-table -- --write      rewrite the README's section
 *
 * test/unit/scripts/event-table.test.ts fails when the README's section differs from this output.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultProjections } from '../projections/index.js';
import { renderEventTable, withEventTable } from './lib/event-table.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const { values } = parseArgs({ options: { write: { type: 'boolean', default: false } } });
const table = renderEventTable(defaultProjections);

if (values.write) {
  writeFileSync(readmePath, withEventTable(readFileSync(readmePath, 'utf8'), table));
  console.log(`README.md: event table rewritten (${table.split('\n').length} lines)`);
} else {
  console.log(table);
}
