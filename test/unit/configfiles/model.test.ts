import { expect } from 'chai';
import {
  fromSettingJson,
  InvalidConfigError,
  lineDiff,
  parseConfigText,
  parseGetConfig,
  renderConfig,
  toSettingJson,
  withKnownArrows,
  type ConfigFile,
} from '../../../src/configfiles/model.js';
import { InvalidInputError } from '../../../src/validation.js';

/** GetConfig answers recorded from the Asterisk 22.10 sandbox (test/e2e/config-model.test.ts writes these files). */
const recordedQueues = {
  Response: 'Success',
  ActionID: 'sandbox-5',
  'Category-000000': 'general',
  'Line-000000-000000': 'persistentmembers=yes',
  'Line-000000-000001': 'monitor-type=MixMonitor',
  'Category-000001': 'sales_1',
  'Line-000001-000000': 'strategy=ringall',
  'Line-000001-000001': 'member=Agent/10001',
  'Line-000001-000002': 'member=Agent/10002',
  'Line-000001-000003': 'member=Agent/10003',
  'Line-000001-000004': 'servicelevel=5',
  'Category-000002': 'sales_2',
  'Line-000002-000000': 'member=Agent/10001',
};
const recordedTemplates = {
  Response: 'Success',
  ActionID: 'sandbox-40',
  'Category-000000': 'tpl',
  'IsTemplate-000000': '1',
  'Category-000001': 'child',
  'Templates-000001': 'tpl',
  'Line-000001-000000': 'own=1',
};

function refusal(run: () => unknown): InvalidConfigError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidConfigError);
    expect(error).to.be.instanceOf(InvalidInputError); // so the error table answers 400 naming the field
    return error as InvalidConfigError;
  }
  throw new Error('expected an InvalidConfigError');
}

describe('configuration-file model', () => {
  describe('parseGetConfig', () => {
    it('reads a recorded GetConfig answer into categories and lines in order, splitting at the first "="', () => {
      const file = parseGetConfig(recordedQueues);
      expect(file.map((c) => c.name)).to.deep.equal(['general', 'sales_1', 'sales_2']);
      expect(file[1]!.lines).to.deep.equal([
        { key: 'strategy', value: 'ringall' },
        { key: 'member', value: 'Agent/10001' },
        { key: 'member', value: 'Agent/10002' },
        { key: 'member', value: 'Agent/10003' },
        { key: 'servicelevel', value: '5' },
      ]);
      expect(parseGetConfig({ 'Category-000000': 'x', 'Line-000000-000000': 'k=a=b', 'Line-000000-000001': 'e=' })[0]!.lines).to.deep.equal([
        { key: 'k', value: 'a=b' },
        { key: 'e', value: '' },
      ]);
    });

    it('orders by the numbers, not the header order, and reads templates and inheritance', () => {
      const shuffled = Object.fromEntries(Object.entries(recordedQueues).reverse());
      expect(parseGetConfig(shuffled)).to.deep.equal(parseGetConfig(recordedQueues));
      expect(parseGetConfig(recordedTemplates)).to.deep.equal([
        { name: 'tpl', lines: [], template: true },
        { name: 'child', lines: [{ key: 'own', value: '1' }], inherits: ['tpl'] },
      ]);
    });

    it('reads an answer with no categories as an empty file', () => {
      expect(parseGetConfig({ Response: 'Success', ActionID: 'x' })).to.deep.equal([]);
    });
  });

  describe('§0 setting JSON', () => {
    it('turns repeated keys into arrays and marks only known "=>" lines with "> "', () => {
      const file = parseGetConfig(recordedQueues);
      expect(toSettingJson(file)).to.deep.equal({
        general: { persistentmembers: 'yes', 'monitor-type': 'MixMonitor' },
        sales_1: { strategy: 'ringall', member: ['Agent/10001', 'Agent/10002', 'Agent/10003'], servicelevel: '5' },
        sales_2: { member: 'Agent/10001' },
      });
      const known = fromSettingJson({ sales_2: { member: '> Agent/10001' } });
      expect(toSettingJson(withKnownArrows(parseGetConfig(recordedQueues).slice(2), known))).to.deep.equal({ sales_2: { member: '> Agent/10001' } });
    });

    it('reads the catalog examples: "> parkedcalls" and a member array are "=>" lines, ">x" too', () => {
      const file = fromSettingJson({
        default: { context: '> parkedcalls', parkext: '> 700' },
        general: {},
        sales_1: { member: ['> Agent/10001', '> Agent/10003'], strategy: 'ringall' },
        sales_2: { member: '>Agent/10001' },
      });
      expect(file).to.deep.equal([
        { name: 'default', lines: [{ key: 'context', value: 'parkedcalls', arrow: true }, { key: 'parkext', value: '700', arrow: true }] },
        { name: 'general', lines: [] },
        {
          name: 'sales_1',
          lines: [
            { key: 'member', value: 'Agent/10001', arrow: true },
            { key: 'member', value: 'Agent/10003', arrow: true },
            { key: 'strategy', value: 'ringall' },
          ],
        },
        { name: 'sales_2', lines: [{ key: 'member', value: 'Agent/10001', arrow: true }] },
      ]);
      expect(toSettingJson(file)).to.deep.equal({
        default: { context: '> parkedcalls', parkext: '> 700' },
        general: {},
        sales_1: { member: ['> Agent/10001', '> Agent/10003'], strategy: 'ringall' },
        sales_2: { member: '> Agent/10001' },
      });
      expect(fromSettingJson(toSettingJson(file))).to.deep.equal(file);
    });

    it('refuses hostile or malformed input, naming the field', () => {
      const cases: [unknown, string][] = [
        [null, 'body'],
        [[], 'body'],
        ['text', 'body'],
        [{ general: 'x' }, 'general'],
        [{ general: ['x'] }, 'general'],
        [{ general: { k: 1 } }, 'general.k'],
        [{ general: { k: null } }, 'general.k'],
        [{ general: { k: { v: 'x' } } }, 'general.k'],
        [{ general: { k: ['a', 2] } }, 'general.k[1]'],
        [{ general: { '': 'x' } }, 'general.'],
        [{ general: { ' k': 'x' } }, 'general. k'],
        [{ general: { 'a=b': 'x' } }, 'general.a=b'],
        [{ general: { '#include': 'x' } }, 'general.#include'],
        [{ general: { k: 'a\r\nAction: Originate' } }, 'general.k'],
        [{ general: { k: ['ok', 'a\nb'] } }, 'general.k[1]'],
        [{ general: { k: 'a\0b' } }, 'general.k'],
        [{ 'gen\neral': {} }, 'gen\neral'],
        [{ 'a]b': {} }, 'a]b'],
        [{ '[x': {} }, '[x'],
        [{ '': {} }, ''],
        [{ ['x'.repeat(80)]: {} }, 'x'.repeat(80)],
        [{ general: { k: 'v'.repeat(901) } }, 'general.k'],
      ];
      for (const [json, field] of cases) {
        expect(refusal(() => fromSettingJson(json)).field, JSON.stringify(json)).to.equal(field);
      }
    });
  });

  describe('text', () => {
    it('renders "[cat]" and "key = value" / "key => value", and parses it back', () => {
      const file: ConfigFile = [
        { name: 'general', lines: [{ key: 'static', value: 'yes' }] },
        { name: 'demo', lines: [{ key: 'exten', value: '100,1,Answer()', arrow: true }, { key: 'same', value: 'n,Wait(300)', arrow: true }] },
        { name: 'empty', lines: [] },
      ];
      const text = renderConfig(file);
      expect(text).to.equal('[general]\nstatic = yes\n\n[demo]\nexten => 100,1,Answer()\nsame => n,Wait(300)\n\n[empty]\n');
      expect(parseConfigText(text).file).to.deep.equal(file);
    });

    it('reports comments, blank lines, directives and lines without "=" as dropped, and reads "\\;" as ";"', () => {
      const text = [
        '; extensions.conf',
        '#include "more.conf"',
        '[demo] ; the demo',
        'exten => 100,1,Set(x=a\\;b) ; keep',
        ';-- a block',
        'comment --;',
        '',
        'junk',
        '[tpl](!)',
        'k = v',
        '[child](tpl)',
        '[demo](+)',
        'exten=>101,1,Hangup()',
      ].join('\n');
      const { file, dropped } = parseConfigText(text);
      expect(file).to.deep.equal([
        {
          name: 'demo',
          lines: [
            { key: 'exten', value: '100,1,Set(x=a;b)', arrow: true },
            { key: 'exten', value: '101,1,Hangup()', arrow: true },
          ],
        },
        { name: 'tpl', lines: [{ key: 'k', value: 'v' }], template: true },
        { name: 'child', lines: [], inherits: ['tpl'] },
      ]);
      expect(dropped.map((d) => d.line)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(dropped[1]).to.deep.equal({ line: 2, text: '#include "more.conf"' });
    });

    it('refuses a line before any category, a broken header and NUL', () => {
      expect(refusal(() => parseConfigText('k = v\n[a]')).field).to.equal('line 1');
      expect(refusal(() => parseConfigText('[a]\n[b')).field).to.equal('line 2');
      expect(refusal(() => parseConfigText('[a]\nk = \0')).field).to.equal('body');
    });

    it('diffs two texts line by line with "+", "-" and " "', () => {
      expect(lineDiff('a\nb\nc\n', 'a\nx\nc\nd\n')).to.deep.equal([' a', '-b', '+x', ' c', '+d']);
      expect(lineDiff('', 'a\n')).to.deep.equal(['+a']);
      expect(lineDiff('a\n', '')).to.deep.equal(['-a']);
      expect(lineDiff('same\n', 'same\n')).to.deep.equal([' same']);
    });
  });
});
