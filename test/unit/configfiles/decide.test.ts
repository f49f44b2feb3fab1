import { expect } from 'chai';
import {
  backupName,
  backupToHide,
  checkSectionName,
  checkVersion,
  ConfigVersionConflictError,
  InvalidBackupNameError,
  InvalidSectionError,
  parseBackupName,
} from '../../../src/configfiles/decide.js';
import { configVersionsProjection } from '../../../projections/config-versions.js';
import type { RecordedEvent } from '../../../src/events/index.js';

const files = ['res_parking.conf'];
const time = '2018-01-03T21:12:39.537427535Z';

describe('config writes: the decisions', () => {
  describe('optimistic check', () => {
    it('accepts a write based on the newest version, or naming none', () => {
      expect(() => checkVersion('res_parking.conf', 7, 7)).to.not.throw();
      expect(() => checkVersion('res_parking.conf', undefined, 7)).to.not.throw();
      expect(() => checkVersion('res_parking.conf', undefined, null)).to.not.throw();
    });

    it('refuses a write based on an older version (or on one when none is known), saying which is current', () => {
      expect(() => checkVersion('res_parking.conf', 5, 7)).to.throw(ConfigVersionConflictError).with.property('current', 7);
      expect(() => checkVersion('res_parking.conf', 5, null)).to.throw(ConfigVersionConflictError);
      expect(() => checkVersion('res_parking.conf', 9, 7)).to.throw(ConfigVersionConflictError).with.property('basedOn', 9);
    });
  });

  describe('backup names', () => {
    it('reads <file>.<API timestamp> of a managed file', () => {
      expect(parseBackupName(backupName('res_parking.conf', time), files)).to.deep.equal({ file: 'res_parking.conf', time });
    });

    it('refuses /, .., CR/LF, other files and other shapes', () => {
      for (const name of [
        'res_parking.conf', `res_parking.conf.${time}/x`, `../res_parking.conf.${time}`, `res_parking.conf..${time}`, `res_parking.conf.${time}\n`,
        `queues.conf.${time}`, 'res_parking.conf.2018-01-03', 'res_parking.conf.2018-01-03T21:12:39Z', '', `res_parking.conf.${time}\\`,
      ]) {
        expect(() => parseBackupName(name, files), JSON.stringify(name)).to.throw(InvalidBackupNameError).with.property('field', 'name');
      }
    });
  });

  describe('hidden versions', () => {
    const versions = [
      { name: `res_parking.conf.${time}`, file: 'res_parking.conf', kind: 'observed', hidden: 0 },
      { name: 'res_parking.conf.2018-01-04T00:00:00.000000000Z', file: 'res_parking.conf', kind: 'updated', hidden: 0 },
      { name: 'res_parking.conf.2018-01-05T00:00:00.000000000Z', file: 'res_parking.conf', kind: 'outside', hidden: 1 },
    ];

    it('hides a backup made by a change', () => {
      expect(backupToHide(versions, 'res_parking.conf.2018-01-04T00:00:00.000000000Z')).to.equal(versions[1]);
    });

    it('has nothing to hide for an unknown name, a hidden backup, or the first version seen (it backs nothing up)', () => {
      expect(backupToHide(versions, 'res_parking.conf.2019-01-04T00:00:00.000000000Z')).to.equal(undefined);
      expect(backupToHide(versions, 'res_parking.conf.2018-01-05T00:00:00.000000000Z')).to.equal(undefined);
      expect(backupToHide(versions, `res_parking.conf.${time}`)).to.equal(undefined);
    });

    it('the projection marks the named backup hidden once; hiding it again changes nothing', () => {
      let position = 0;
      const event = (type: string, data: Record<string, unknown>): RecordedEvent =>
        ({ type, data, metadata: {}, position: ++position, stream: 'config-res_parking.conf', revision: position - 1, recordedAt: time });
      const rows = new Map<string, Record<string, unknown>>();
      const state = {
        get: (_t: string, key: string) => rows.get(key),
        all: () => [...rows.values()],
      } as never;
      const apply = (e: RecordedEvent) => {
        for (const change of configVersionsProjection.project(state, e)) rows.set(change.key, change.row as unknown as Record<string, unknown>);
      };
      apply(event('ConfigObserved', { file: 'res_parking.conf', time, sections: [] }));
      apply(event('ConfigUpdated', { file: 'res_parking.conf', time: '2018-01-04T00:00:00.000000000Z', before: [], after: [{ name: 'a', lines: [] }], cause: 'write', user_uuid: 'u', username: 'admin', command_id: 'c' }));
      apply(event('ConfigVersionHidden', { file: 'res_parking.conf', name: 'res_parking.conf.2018-01-04T00:00:00.000000000Z', time, user_uuid: 'u', username: 'admin' }));
      expect(rows.get('2')).to.include({ hidden: 1, kind: 'updated', name: 'res_parking.conf.2018-01-04T00:00:00.000000000Z', username: 'admin' });
      expect(rows.get('1')).to.include({ hidden: 0, kind: 'observed' });
      expect(configVersionsProjection.project(state, event('ConfigVersionHidden', { file: 'res_parking.conf', name: 'res_parking.conf.2018-01-04T00:00:00.000000000Z' }))).to.deep.equal([]);
    });
  });

  describe('parking lot names', () => {
    it('takes a plain section name', () => {
      expect(checkSectionName('edvina_park')).to.equal('edvina_park');
    });

    it('refuses a missing name, CR/LF, brackets and general, naming the field', () => {
      for (const name of [undefined, '', 'a\nb', 'a\rb', 'a]b', '[a', ' a', 'general', 42]) {
        expect(() => checkSectionName(name), JSON.stringify(name)).to.throw(InvalidSectionError).with.property('field', 'name');
      }
    });
  });
});
