import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { defaultProjections } from '../../../projections/index.js';
import { bySnapshotAction } from '../../../projections/lib/handlers.js';
import { readmeEventTable, renderEventTable, withEventTable } from '../../../scripts/lib/event-table.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const rowOf = (table: string, first: string): string | undefined => table.split('\n').find((line) => line.startsWith(`| ${first} |`));

describe('scripts/event-table: the README table "AMI event -> stream -> projections"', () => {
  it('is what the script generates (run `npm run docs:event-table -- --write` after changing a handles table)', () => {
    expect(readmeEventTable(readme), 'README.md event-table section').to.equal(renderEventTable(defaultProjections));
  });

  it('names the stream family and who reacts by name, and who only through a stream family (italic)', () => {
    const table = renderEventTable([
      { name: 'channels', handles: { Hangup: () => [] }, handlesStreams: { 'call-': () => [] } },
      { name: 'parking', handles: { Hangup: () => [], ParkedCall: () => [] } },
    ]);
    expect(rowOf(table, '`Hangup`')).to.equal('| `Hangup` | `call-<Linkedid>` | channels, parking |');
    expect(rowOf(table, '`Newstate`')).to.equal('| `Newstate` | `call-<Linkedid>` | _channels_ |');
    expect(rowOf(table, '`DialBegin`')).to.equal('| `DialBegin` | `call-<Linkedid>` (else by DestLinkedid) | _channels_ |');
    expect(rowOf(table, '`DeviceStateChange`')).to.equal('| `DeviceStateChange` | `pbx-<node>` | — |');
  });

  it('lists AmiSnapshot by the resync actions a projection declares, and jade\'s own stream families', () => {
    const table = renderEventTable([
      { name: 'modules', handles: { AmiSnapshot: bySnapshotAction({ 'module show': () => [] }) } },
      { name: 'commands', handles: {}, handlesStreams: { 'command-': () => [] } },
      { name: 'agis', handles: { AgiCommandRequested: () => [] } },
      { name: 'plans', handles: { PlanCreated: () => [], DlmaCreated: () => [] } },
    ]);
    expect(rowOf(table, '`AmiSnapshot` `module show`')).to.equal('| `AmiSnapshot` `module show` | `pbx-<node>` | modules |');
    expect(rowOf(table, '`AgiCommandRequested`')).to.equal('| `AgiCommandRequested` | `command-<uuid>` | agis, _commands_ |');
    expect(rowOf(table, '`PlanCreated`')).to.equal('| `PlanCreated` | `plan-<uuid>` | plans |');
    expect(rowOf(table, '`DlmaCreated`')).to.equal('| `DlmaCreated` | `dlma-<uuid>` | plans |');
    expect(rowOf(table, 'other events of `command-*`')).to.equal('| other events of `command-*` | `command-<...>` | commands |');
  });

  it('rewrites only the section between the markers', () => {
    const text = 'before\n<!-- event-table:start -->\nold\n<!-- event-table:end -->\nafter\n';
    expect(withEventTable(text, 'new')).to.equal('before\n<!-- event-table:start -->\nnew\n<!-- event-table:end -->\nafter\n');
    expect(readmeEventTable(withEventTable(text, 'new'))).to.equal('new');
  });
});
