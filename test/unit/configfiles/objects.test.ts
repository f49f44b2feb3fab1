import { expect } from 'chai';
import { findPjsipObject, pjsipObjectLines, withPjsipObject } from '../../../src/configfiles/pjsip.js';
import { linesFromSdpData, listSdps, withContext } from '../../../src/configfiles/dialplan.js';
import { InvalidConfigError, type ConfigFile } from '../../../src/configfiles/model.js';

const pjsip: ConfigFile = [
  { name: 'a', lines: [{ key: 'type', value: 'endpoint' }, { key: 'aors', value: 'a' }] },
  { name: 'a', lines: [{ key: 'type', value: 'aor' }, { key: 'max_contacts', value: '1' }] },
];

describe('PJSIP objects in pjsip.conf (configfiles/pjsip.ts)', function () {
  it('finds an object by name and type among categories of one name', function () {
    expect(findPjsipObject(pjsip, 'a', 'aor')).to.equal(1);
    expect(findPjsipObject(pjsip, 'a', 'auth')).to.equal(-1);
  });
  it('replaces only the object of that type, appends a new one, removes one', function () {
    const lines = pjsipObjectLines('a', 'aor', { max_contacts: '2' });
    expect(withPjsipObject(pjsip, 'a', 'aor', lines)).to.deep.equal([pjsip[0], { name: 'a', lines: [{ key: 'type', value: 'aor' }, { key: 'max_contacts', value: '2' }] }]);
    expect(withPjsipObject(pjsip, 'a', 'auth', pjsipObjectLines('a', 'auth', { username: 'a' }))).to.have.length(3);
    expect(withPjsipObject(pjsip, 'a', 'endpoint', undefined)).to.deep.equal([pjsip[1]]);
  });
  it('refuses another type and CR/LF in a value, naming the field', function () {
    expect(() => pjsipObjectLines('a', 'aor', { type: 'endpoint' })).to.throw(InvalidConfigError, 'type');
    expect(() => pjsipObjectLines('a', 'aor', { contact: 'x\r\ny' })).to.throw(InvalidConfigError, 'a.contact');
  });
});

describe('dialplan contexts as sdps (configfiles/dialplan.ts)', function () {
  const file: ConfigFile = [
    { name: 'general', lines: [{ key: 'static', value: 'yes' }] },
    { name: 'globals', lines: [] },
    { name: 'demo', lines: [{ key: 'exten', value: '1,1,Answer()', arrow: true }, { key: 'same', value: 'n,Hangup()' }] },
  ];
  it('lists every context but general and globals, lines in order, "> " for =>', function () {
    expect(listSdps(file)).to.deep.equal([{ name: 'demo', data: [{ exten: '> 1,1,Answer()' }, { same: 'n,Hangup()' }] }]);
  });
  it('reads data in order with arrows, and upserts or removes a context', function () {
    const lines = linesFromSdpData([{ exten: '> 2,1,NoOp()' }, { same: 'n,Hangup()' }, { exten: '> 3,1,NoOp()' }]);
    expect(lines.map((l) => l.key)).to.deep.equal(['exten', 'same', 'exten']);
    expect(lines[0]).to.deep.equal({ key: 'exten', value: '2,1,NoOp()', arrow: true });
    expect(withContext(file, 'demo', lines)[2]).to.deep.equal({ name: 'demo', lines });
    expect(withContext(file, 'new', lines)).to.have.length(4);
    expect(withContext(file, 'demo', undefined)).to.have.length(2);
  });
  it('refuses CR/LF in a key or value and entries that are not one-key objects, naming data[i]', function () {
    expect(() => linesFromSdpData([{ exten: '1,1,NoOp()\n' }])).to.throw(InvalidConfigError, 'data[0].exten');
    expect(() => linesFromSdpData([{ ok: 'x' }, { 'a\rb': 'x' }])).to.throw(InvalidConfigError, 'data[1]');
    expect(() => linesFromSdpData([{ a: 'x', b: 'y' }])).to.throw(InvalidConfigError, 'data[0]');
    expect(() => linesFromSdpData('x')).to.throw(InvalidConfigError, 'data');
  });
});
