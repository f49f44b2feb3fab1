import { expect } from 'chai';
import { encodeAction } from '../../../src/ami/action-encoder.js';
import {
  applyConfigChanges,
  diffConfig,
  InvalidConfigError,
  UnsupportedConfigChangeError,
  updateConfigActions,
  type ConfigChange,
  type ConfigFile,
  type ConfigLine,
} from '../../../src/configfiles/model.js';

const line = (key: string, value: string, arrow = false): ConfigLine => (arrow ? { key, value, arrow } : { key, value });

const queues: ConfigFile = [
  { name: 'general', lines: [line('persistentmembers', 'yes')] },
  { name: 'sales_1', lines: [line('strategy', 'ringall'), line('member', 'Agent/1', true), line('member', 'Agent/2', true), line('weight', '0')] },
  { name: 'sales_2', lines: [line('member', 'Agent/1', true)] },
];

/** The plan, checked by applying it the way Asterisk does. */
function plan(before: ConfigFile, after: ConfigFile): readonly ConfigChange[] {
  const changes = diffConfig(before, after);
  expect(applyConfigChanges(before, changes)).to.deep.equal(after);
  return changes;
}

/** A small deterministic generator, so the randomized cases are the same on every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function randomFile(next: () => number): ConfigFile {
  const names = ['a', 'b', 'c', 'd', 'e'].filter(() => next() < 0.7);
  return names
    .sort(() => next() - 0.5)
    .map((name) => ({
      name,
      lines: Array.from({ length: Math.floor(next() * 6) }, () => line(['k', 'member', 'x'][Math.floor(next() * 3)]!, ['1', '2', 'v', ''][Math.floor(next() * 4)]!, next() < 0.3)),
    }));
}

describe('configuration diff into UpdateConfig steps', () => {
  it('has no step for an unchanged file and one Update for one changed value', () => {
    expect(diffConfig(queues, queues)).to.deep.equal([]);
    const after = queues.map((c) => (c.name === 'sales_1' ? { ...c, lines: c.lines.map((l) => (l.key === 'weight' ? line('weight', '5') : l)) } : c));
    expect(plan(queues, after)).to.deep.equal([{ action: 'Update', category: 'sales_1', variable: 'weight', value: '5', match: '0' }]);
  });

  it('appends a new line, deletes a removed one by its line number, and adds "=>" with a ">" value', () => {
    const added: ConfigFile = [queues[0]!, { ...queues[1]!, lines: [...queues[1]!.lines, line('member', 'Agent/3', true)] }, queues[2]!];
    expect(plan(queues, added)).to.deep.equal([{ action: 'Append', category: 'sales_1', variable: 'member', value: '>Agent/3' }]);
    const removed: ConfigFile = [queues[0]!, { ...queues[1]!, lines: queues[1]!.lines.filter((l) => l.value !== 'Agent/2') }, queues[2]!];
    expect(plan(queues, removed)).to.deep.equal([{ action: 'Delete', category: 'sales_1', variable: 'member', line: 2 }]);
  });

  it('deletes from the highest line first, so the line numbers of the others do not shift', () => {
    const before: ConfigFile = [{ name: 'q', lines: ['1', '2', '3', '4', '5'].map((v) => line('member', v)) }];
    const after: ConfigFile = [{ name: 'q', lines: ['1', '3', '5'].map((v) => line('member', v)) }];
    expect(plan(before, after).map((c) => ('line' in c ? c.line : undefined))).to.deep.equal([3, 1]);
  });

  it('does not Update a repeated key whose Match would hit a later line, nor clear "=>" with Update', () => {
    const before: ConfigFile = [{ name: 'q', lines: [line('member', 'a'), line('member', 'a'), line('x', '1', true)] }];
    const after: ConfigFile = [{ name: 'q', lines: [line('member', 'b'), line('member', 'a'), line('x', '1')] }];
    const changes = plan(before, after);
    expect(changes.filter((c) => c.action === 'Update')).to.deep.equal([]);
  });

  it('empties a category and appends when that is fewer steps than editing it', () => {
    const before: ConfigFile = [{ name: 'q', lines: ['1', '2', '3', '4'].map((v) => line(`k${v}`, v)) }];
    const after: ConfigFile = [{ name: 'q', lines: [line('z', '9')] }];
    expect(plan(before, after)).to.deep.equal([
      { action: 'EmptyCat', category: 'q' },
      { action: 'Append', category: 'q', variable: 'z', value: '9' },
    ]);
  });

  it('adds, removes, renames and moves categories, placing new ones with Match', () => {
    const after: ConfigFile = [{ name: 'support', lines: [line('strategy', 'random')] }, queues[0]!, { ...queues[2]!, name: 'sales_two' }];
    const changes = plan(queues, after);
    expect(changes).to.deep.include({ action: 'DelCat', category: 'sales_1' });
    expect(changes).to.deep.include({ action: 'RenameCat', category: 'sales_2', value: 'sales_two' });
    expect(changes).to.deep.include({ action: 'NewCat', category: 'support', match: 'general' });
    expect(changes).to.have.length(4);
    const moved: ConfigFile = [queues[2]!, queues[0]!, queues[1]!];
    expect(plan(queues, moved).filter((c) => c.action === 'DelCat')).to.have.length(1);
  });

  it('rebuilds a file with duplicate category names under a scratch name, then renames', () => {
    const before: ConfigFile = [{ name: 'alice', lines: [line('type', 'endpoint')] }, { name: 'alice', lines: [line('type', 'aor')] }];
    const after: ConfigFile = [before[0]!, { name: 'alice', lines: [line('type', 'aor'), line('max_contacts', '2')] }];
    const changes = plan(before, after);
    expect(changes[0]).to.deep.equal({ action: 'DelCat', category: 'alice' });
    expect(changes).to.deep.include({ action: 'RenameCat', category: 'jade-scratch', value: 'alice' });
  });

  it('turns any file into any other (seeded random pairs, checked by applying the plan)', () => {
    const next = random(12);
    for (let i = 0; i < 400; i++) plan(randomFile(next), randomFile(next));
  });

  it('refuses to write an invalid file and to change templates or categories built from them', () => {
    expect(() => diffConfig([], [{ name: 'a', lines: [line('k', 'x\ny')] }])).to.throw(InvalidConfigError);
    expect(() => diffConfig([], [{ name: 'a]', lines: [] }])).to.throw(InvalidConfigError);
    expect(() => diffConfig([], [{ name: 'a', lines: [line('k', '>x')] }])).to.throw(InvalidConfigError);
    const tpl: ConfigFile = [{ name: 'tpl', lines: [line('k', 'v')], template: true }, { name: 'child', lines: [line('k', 'v')], inherits: ['tpl'] }];
    expect(() => diffConfig(tpl, [tpl[1]!])).to.throw(UnsupportedConfigChangeError);
    expect(() => diffConfig(tpl, [tpl[0]!, { ...tpl[1]!, lines: [] }])).to.throw(UnsupportedConfigChangeError);
    expect(() => diffConfig([], tpl)).to.throw(UnsupportedConfigChangeError);
    // Plain categories around unchanged templates are fine.
    expect(plan(tpl, [...tpl, { name: 'plain', lines: [] }])).to.deep.equal([{ action: 'NewCat', category: 'plain' }]);
  });

  describe('updateConfigActions', () => {
    const many: ConfigChange[] = Array.from({ length: 100 }, (_, i) => ({ action: 'Update', category: 'big', variable: `k${i}`, value: `v${i}`, match: 'old' }));

    it('packs the steps into actions of fewer than 128 headers each, in order, counting the ActionID', () => {
      const actions = updateConfigActions('queues.conf', many, { reload: 'app_queue' });
      expect(actions.length).to.equal(5);
      const headers = actions.map((a) => encodeAction(a, () => 'id').text.split('\r\n').filter((l) => l !== ''));
      for (const h of headers) {
        expect(h.length).to.be.below(128);
        expect(h).to.include.members(['Action: UpdateConfig', 'SrcFilename: queues.conf', 'DstFilename: queues.conf', 'Action-000000: Update']);
      }
      const sent = actions.flatMap((a) => Object.entries(a).filter(([k]) => k.startsWith('Var-')).map(([, v]) => v));
      expect(sent).to.deep.equal(many.map((c) => ('variable' in c ? c.variable : '')));
      // Reload once, after the last part is written.
      expect(actions.map((a) => a.Reload)).to.deep.equal([undefined, undefined, undefined, undefined, 'app_queue']);
    });

    it('sends nothing for no changes and one action for a few', () => {
      expect(updateConfigActions('queues.conf', [])).to.deep.equal([]);
      const [only, ...rest] = updateConfigActions('queues.conf', many.slice(0, 3), { reload: true });
      expect(rest).to.deep.equal([]);
      expect(only).to.include({ Action: 'UpdateConfig', Reload: 'yes', 'Action-000002': 'Update', 'Cat-000002': 'big', 'Match-000002': 'old' });
    });
  });
});
