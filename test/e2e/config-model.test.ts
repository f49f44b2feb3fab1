/**
 * The configuration-file model (src/configfiles/) against the real Asterisk 22: every plan diffConfig makes,
 * packed by updateConfigActions, is sent with UpdateConfig to the sandbox's scratch file jade_test.conf, and
 * GetConfig afterwards must equal the intended file. Also records what Asterisk itself does (the facts at the
 * top of src/configfiles/model.ts). Talks to Asterisk through the raw sandbox AMI client.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { encodeAction } from '../../src/ami/action-encoder.js';
import type { AmiAction } from '../../src/ami/port.js';
import {
  applyConfigChanges,
  diffConfig,
  parseConfigText,
  parseGetConfig,
  fromSettingJson,
  toSettingJson,
  updateConfigActions,
  withKnownArrows,
  type ConfigFile,
} from '../../src/configfiles/model.js';
import { SandboxAmi, type AmiFrame } from '../support/asterisk-sandbox.js';
import { getSandbox } from './hooks.js';

const FILE = 'jade_test.conf';

const fieldsOf = (frame: AmiFrame): Record<string, string> => Object.fromEntries(frame.headers.map(([k, v]) => [k, v]));

/** Without `arrow`: GetConfig cannot tell `=>` from `=`. */
const withoutArrows = (file: ConfigFile): ConfigFile => file.map((c) => ({ ...c, lines: c.lines.map(({ key, value }) => ({ key, value })) }));

describe('configuration-file model against Asterisk 22 (GetConfig / UpdateConfig on jade_test.conf)', function () {
  let ami: SandboxAmi;

  before(async function () {
    const sandbox = getSandbox();
    ami = await SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret, events: false });
  });

  after(function () {
    ami?.close();
  });

  const onDisk = (): string => fs.readFileSync(path.join(getSandbox().instanceDir, 'etc', FILE), 'utf8');

  async function send(action: AmiAction): Promise<Record<string, string>> {
    // Through jade's own encoder, so what Asterisk reads is what jade would send.
    const { text } = encodeAction(action, () => `cfg-${Math.random().toString(36).slice(2)}`);
    const fields: Record<string, string> = {};
    for (const line of text.split('\r\n').filter((l) => l !== '')) {
      const colon = line.indexOf(':');
      fields[line.slice(0, colon)] = line.slice(colon + 2);
    }
    const { response } = await ami.action(fields);
    return fieldsOf(response);
  }

  async function read(filter?: string): Promise<ConfigFile> {
    const { response } = await ami.action({ Action: 'GetConfig', Filename: FILE, ...(filter ? { Filter: filter } : {}) });
    const fields = fieldsOf(response);
    expect(fields.Response, JSON.stringify(fields)).to.equal('Success');
    return parseGetConfig(fields);
  }

  /** What this test last wrote: GetConfig does not say `=>`, so the arrows come from here (as the service does). */
  let lastWritten: ConfigFile = [];

  /** Sends the plan from what Asterisk has now to `target`; returns how many actions it took. */
  async function write(target: ConfigFile): Promise<number> {
    const current = withKnownArrows(await read(), lastWritten);
    lastWritten = target;
    const changes = diffConfig(current, target);
    expect(withoutArrows(applyConfigChanges(current, changes))).to.deep.equal(withoutArrows(target));
    const actions = updateConfigActions(FILE, changes);
    for (const action of actions) {
      expect(Object.keys(action).length + 1).to.be.below(128);
      const answer = await send(action);
      expect(answer.Response, JSON.stringify(answer)).to.equal('Success');
    }
    return actions.length;
  }

  async function transition(before: ConfigFile, after: ConfigFile): Promise<void> {
    await write(before);
    expect(await read()).to.deep.equal(withoutArrows(before));
    await write(after);
    expect(await read()).to.deep.equal(withoutArrows(after));
  }

  const queues: ConfigFile = [
    { name: 'general', lines: [{ key: 'persistentmembers', value: 'yes' }, { key: 'monitor-type', value: 'MixMonitor' }] },
    {
      name: 'sales_1',
      lines: [
        { key: 'strategy', value: 'ringall' },
        { key: 'member', value: 'Agent/10001', arrow: true },
        { key: 'member', value: 'Agent/10002', arrow: true },
        { key: 'member', value: 'Agent/10003', arrow: true },
        { key: 'servicelevel', value: '5' },
      ],
    },
    { name: 'sales_2', lines: [{ key: 'member', value: 'Agent/10001', arrow: true }] },
  ];

  it('writes a file from empty, with "=>" lines on disk, and GetConfig gives it back (without telling "=>")', async function () {
    await write([]);
    expect(await read()).to.deep.equal([]);
    await write(queues);
    expect(await read()).to.deep.equal(withoutArrows(queues));
    expect(onDisk()).to.match(/^member => Agent\/10002$/m).and.match(/^strategy = ringall$/m);
  });

  it('changes one value with one Update step, and an unchanged file with none', async function () {
    await write(queues);
    const current = withKnownArrows(await read(), queues);
    expect(diffConfig(current, queues)).to.deep.equal([]);
    expect(diffConfig(await read(), withoutArrows(queues))).to.deep.equal([]);
    const after = queues.map((c) => (c.name === 'sales_1' ? { ...c, lines: c.lines.map((l) => (l.key === 'strategy' ? { ...l, value: 'leastrecent' } : l)) } : c));
    expect(diffConfig(current, after)).to.have.length(1);
    await write(after);
    expect(await read()).to.deep.equal(withoutArrows(after));
  });

  it('adds, removes, renames and reorders categories', async function () {
    const after: ConfigFile = [
      { name: 'support', lines: [{ key: 'strategy', value: 'rrmemory' }] },
      queues[0]!,
      { name: 'sales_two', lines: queues[2]!.lines },
      { name: 'new_last', lines: [] },
    ];
    await transition(queues, after);
  });

  it('edits repeated keys in the middle (member removed, inserted, reordered) and keeps their order', async function () {
    const members = (...ids: number[]) => ids.map((id) => ({ key: 'member', value: `Agent/${id}`, arrow: true }));
    const before: ConfigFile = [{ name: 'q', lines: [{ key: 'strategy', value: 'ringall' }, ...members(1, 2, 3, 4), { key: 'weight', value: '0' }] }];
    const after: ConfigFile = [{ name: 'q', lines: [{ key: 'strategy', value: 'ringall' }, ...members(1, 5, 3, 2), { key: 'weight', value: '1' }] }];
    await transition(before, after);
    // An "=>" line that becomes "=" (Update cannot clear it) and back.
    const plain: ConfigFile = [{ name: 'q', lines: after[0]!.lines.map(({ key, value }) => ({ key, value })) }];
    await write(plain);
    expect(onDisk()).to.not.match(/=>/);
    await write(after);
    expect(onDisk()).to.match(/^member => Agent\/5$/m);
  });

  it('writes values holding ";", "\\" and "=" as they are', async function () {
    const file: ConfigFile = [{ name: 'odd', lines: [{ key: 'a', value: 'x;y' }, { key: 'b', value: 'c:\\dir\\;x' }, { key: 'c', value: 'k=v,w' }, { key: 'd', value: '' }] }];
    await write([]);
    await write(file);
    expect(await read()).to.deep.equal(file);
  });

  it('splits a change of more than 128 headers across actions, and Asterisk applies all of them', async function () {
    const big: ConfigFile = [{ name: 'big', lines: Array.from({ length: 150 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) }];
    await write([]);
    expect(await write(big)).to.be.greaterThan(1);
    expect(await read()).to.deep.equal(big);
    const changed: ConfigFile = [{ name: 'big', lines: big[0]!.lines.map((l, i) => (i % 3 === 0 ? { ...l, value: `w${i}` } : l)) }];
    expect(await write(changed)).to.be.greaterThan(1);
    expect(await read()).to.deep.equal(changed);
  });

  it('rebuilds a file whose categories share a name (pjsip.conf style), each with its own lines', async function () {
    const before: ConfigFile = [
      { name: 'alice', lines: [{ key: 'type', value: 'endpoint' }, { key: 'aors', value: 'alice' }] },
      { name: 'alice', lines: [{ key: 'type', value: 'aor' }, { key: 'max_contacts', value: '1' }] },
    ];
    const after: ConfigFile = [
      { name: 'alice', lines: [{ key: 'type', value: 'endpoint' }, { key: 'aors', value: 'alice' }] },
      { name: 'alice', lines: [{ key: 'type', value: 'aor' }, { key: 'max_contacts', value: '2' }] },
      { name: 'bob', lines: [{ key: 'type', value: 'aor' }] },
    ];
    await transition(before, after);
  });

  it('round-trips the §0 JSON and a text file through Asterisk', async function () {
    const json = {
      default: { context: '> parkedcalls', parkext: '> 700', parkpos: '> 701-720' },
      general: {},
      test_parkinglot: { comebackcontext: 'edvinapark-timeout', findslot: '> next', member: ['> Agent/10001', '> Agent/10003'] },
    };
    await write(fromSettingJson(json));
    expect(toSettingJson(await read())).to.deep.equal({
      default: { context: 'parkedcalls', parkext: '700', parkpos: '701-720' },
      general: {},
      test_parkinglot: { comebackcontext: 'edvinapark-timeout', findslot: 'next', member: ['Agent/10001', 'Agent/10003'] },
    });
    const { file } = parseConfigText('[demo]\nexten => 100,1,Answer() ; answer\n same => n,Wait(300)\n\n[more]\n[demo](+)\nexten => 200,1,Hangup()\n[last]\nx = 1\n');
    await write(file);
    expect(await read()).to.deep.equal(withoutArrows(file));
  });

  it('answers an Update whose Match hits nothing with an error and saves none of that action', async function () {
    await write(queues);
    const disk = onDisk();
    const answer = await send({
      Action: 'UpdateConfig',
      SrcFilename: FILE,
      DstFilename: FILE,
      'Action-000000': 'Append',
      'Cat-000000': 'sales_2',
      'Var-000000': 'member',
      'Value-000000': '>Agent/9',
      'Action-000001': 'Update',
      'Cat-000001': 'sales_1',
      'Var-000001': 'strategy',
      'Value-000001': 'random',
      'Match-000001': 'no-such-value',
    });
    expect(answer).to.include({ Response: 'Error', Message: 'Update did not complete successfully' });
    expect(onDisk()).to.equal(disk);
  });

  it('shows templates only with Filter TEMPLATES=include, and refuses to Append to one', async function () {
    await write([]);
    const created = await send({
      Action: 'UpdateConfig',
      SrcFilename: FILE,
      DstFilename: FILE,
      'Action-000000': 'NewCat',
      'Cat-000000': 'tpl',
      'Options-000000': 'template',
      'Action-000001': 'NewCat',
      'Cat-000001': 'child',
      'Options-000001': 'inherit=tpl',
      'Action-000002': 'Append',
      'Cat-000002': 'child',
      'Var-000002': 'own',
      'Value-000002': '1',
    });
    expect(created.Response).to.equal('Success');
    expect(onDisk()).to.match(/^\[tpl\]\(!\)$/m).and.match(/^\[child\]\(tpl\)$/m);
    expect(await read()).to.deep.equal([{ name: 'child', lines: [{ key: 'own', value: '1' }], inherits: ['tpl'] }]);
    expect(await read('TEMPLATES=include')).to.deep.equal([
      { name: 'tpl', lines: [], template: true },
      { name: 'child', lines: [{ key: 'own', value: '1' }], inherits: ['tpl'] },
    ]);
    const refused = await send({ Action: 'UpdateConfig', SrcFilename: FILE, DstFilename: FILE, 'Action-000000': 'Append', 'Cat-000000': 'tpl', 'Var-000000': 'k', 'Value-000000': 'v' });
    expect(refused).to.include({ Response: 'Error', Message: 'Given category does not exist' });
    // The plain categories around them are still written by the diff.
    const current = await read();
    await write([...current, { name: 'after_tpl', lines: [{ key: 'x', value: '1' }] }]);
    expect((await read()).map((c) => c.name)).to.deep.equal(['child', 'after_tpl']);
  });
});
