import { expect } from 'chai';
import { encodeAction } from '../../../src/ami/action-encoder.js';
import { getConfig, getConfigJson, maxHeadersPerAction, updateConfig, type ConfigChange } from '../../../src/ami/config-actions.js';
import type { AmiAction } from '../../../src/ami/port.js';

const wire = (action: AmiAction): string[] => encodeAction(action, () => 'generated').text.split('\r\n').slice(0, -2);

describe('AMI configuration action builders', () => {
  it('reads a file, optionally one category and a filter', () => {
    expect(wire(getConfig({ actionId: 'c1', filename: 'queues.conf' }))).to.deep.equal(['Action: GetConfig', 'ActionID: c1', 'Filename: queues.conf']);
    expect(wire(getConfigJson({ filename: 'queues.conf', category: 'sales', filter: 'strategy=ringall' }))).to.deep.equal([
      'Action: GetConfigJSON',
      'ActionID: generated',
      'Filename: queues.conf',
      'Category: sales',
      'Filter: strategy=ringall',
    ]);
  });

  it('numbers the changes of an UpdateConfig as Asterisk reads them (%06d), each with only its own headers', () => {
    const action = updateConfig({
      actionId: 'c2',
      srcFilename: 'queues.conf',
      dstFilename: 'queues.conf',
      reload: 'app_queue',
      changes: [
        { action: 'NewCat', category: 'support', options: 'inherit=base' },
        { action: 'Append', category: 'support', variable: 'strategy', value: 'ringall' },
        { action: 'Update', category: 'sales', variable: 'timeout', value: '15', match: '30' },
        { action: 'Delete', category: 'sales', variable: 'member', line: 2 },
        { action: 'DelCat', category: 'old' },
      ],
    });
    expect(wire(action)).to.deep.equal([
      'Action: UpdateConfig',
      'ActionID: c2',
      'SrcFilename: queues.conf',
      'DstFilename: queues.conf',
      'Reload: app_queue',
      'Action-000000: NewCat',
      'Cat-000000: support',
      'Options-000000: inherit=base',
      'Action-000001: Append',
      'Cat-000001: support',
      'Var-000001: strategy',
      'Value-000001: ringall',
      'Action-000002: Update',
      'Cat-000002: sales',
      'Var-000002: timeout',
      'Value-000002: 15',
      'Match-000002: 30',
      'Action-000003: Delete',
      'Cat-000003: sales',
      'Var-000003: member',
      'Line-000003: 2',
      'Action-000004: DelCat',
      'Cat-000004: old',
    ]);
  });

  it('reloads everything for true, and sends no Reload for false (Asterisk would read "no" as a module name)', () => {
    const base = { srcFilename: 'a.conf', dstFilename: 'a.conf', changes: [{ action: 'EmptyCat', category: 'x' }] as const };
    expect(updateConfig({ ...base, reload: true })).to.include({ Reload: 'yes' });
    expect(updateConfig({ ...base, reload: false })).to.not.have.property('Reload');
    expect(updateConfig({ ...base, preserveEffectiveContext: true })).to.include({ PreserveEffectiveContext: 'yes' });
    expect(updateConfig(base)).to.not.have.property('PreserveEffectiveContext');
  });

  it(`refuses an UpdateConfig beyond ${maxHeadersPerAction} headers (Asterisk would drop the rest silently), ActionID counted`, () => {
    const appends = (n: number): ConfigChange[] => Array.from({ length: n }, (_, i) => ({ action: 'Append', category: 'c', variable: `v${i}`, value: 'x' }));
    // Action, ActionID, SrcFilename, DstFilename + 4 headers per change: 30 changes = 124 headers, 31 = 128.
    const fits = updateConfig({ srcFilename: 'a.conf', dstFilename: 'a.conf', changes: appends(30) });
    expect(Object.keys(fits)).to.have.length(123);
    expect(() => updateConfig({ srcFilename: 'a.conf', dstFilename: 'a.conf', changes: appends(31) })).to.throw(RangeError, /128 headers/);
  });
});
