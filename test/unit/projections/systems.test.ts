import { expect } from 'chai';
import { systemsProjection, type SystemRow } from '../../../projections/systems.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import { LogBuilder } from './support/events.js';

const coreSettings = {
  Response: 'Success',
  AMIversion: '11.0.0',
  AsteriskVersion: '22.10.0~dfsg+~cs6.15.60671435-1',
  SystemName: 'pbx-1',
  CoreMaxCalls: '0',
  CoreMaxLoadAvg: '0.000000',
  CoreRunUser: 'asterisk',
  CoreRunGroup: 'asterisk',
  CoreMaxFilehandles: '0',
  CoreRealTimeEnabled: 'No',
  CoreCDRenabled: 'Yes',
  CoreHTTPenabled: 'No',
  SoundsSearchCustomDir: 'No',
};

/** Asterisk runs two hours ahead of UTC here: it started at 08:17:20Z. */
const coreStatus = {
  Response: 'Success',
  CoreStartupDate: '2026-01-01',
  CoreStartupTime: '10:17:20',
  CoreReloadDate: '2026-01-01',
  CoreReloadTime: '10:17:20',
  CoreCurrentCalls: '3',
  CoreProcessedCalls: '17',
};

function run(log: LogBuilder) {
  const projection = new MemoryProjection(systemsProjection.inner);
  return { projection, changes: projection.apply(log.all()) };
}

describe('systems projection', () => {
  it('builds the one system object (id "1") from the CoreSettings and CoreStatus snapshots', () => {
    const log = new LogBuilder();
    log.snapshot('CoreSettings', { response: coreSettings });
    log.snapshot('CoreStatus', { response: coreStatus });
    const { projection, changes } = run(log);

    expect(changes.map((c) => [c.op, c.key])).to.deep.equal([
      ['create', '1'],
      ['update', '1'],
    ]);
    expect(projection.rows('systems')).to.deep.equal([
      {
        id: '1',
        system_name: 'pbx-1',
        ami_version: '11.0.0',
        ast_version: '22.10.0~dfsg+~cs6.15.60671435-1',
        cdr_enabled: 'Yes',
        http_enabled: 'No',
        real_time_enabled: 'No',
        current_calls: 3,
        max_calls: 0,
        max_file_handles: 0,
        max_load_avg: 0,
        reload_date: '2026-01-01',
        reload_time: '10:17:20',
        run_group: 'asterisk',
        run_user: 'asterisk',
        startup_date: '2026-01-01',
        startup_time: '10:17:20',
        tm_startup: null,
        tm_reload: null,
        tm_update: log.timeOf(2),
      } satisfies SystemRow,
    ]);
  });

  it('derives the startup and last reload instants from FullyBooted', () => {
    const log = new LogBuilder();
    log.add('FullyBooted', { Privilege: 'system,all', Uptime: '178', LastReload: '171', Status: 'Fully Booted' });
    const row = run(log).projection.row('systems', '1')!;
    expect(row.tm_startup).to.equal('2025-12-31T23:57:02.000000000Z');
    expect(row.tm_reload).to.equal('2025-12-31T23:57:09.000000000Z');
  });

  it("shows a module reload in Asterisk's local reload date and time", () => {
    const log = new LogBuilder();
    // Positions are one second apart from 00:00:00Z; Asterisk started 15:42:40 before the first event.
    log.add('FullyBooted', { Uptime: String(15 * 3600 + 42 * 60 + 40), LastReload: '0', Status: 'Fully Booted' });
    log.snapshot('CoreStatus', { response: { ...coreStatus, CoreStartupDate: '2025-12-31', CoreStartupTime: '10:17:20' } });
    log.add('Reload', { Module: 'app_queue.so', Status: '0' });
    const row = run(log).projection.row('systems', '1')!;
    // Startup 08:17:20Z shown as 10:17:20: UTC+2; the reload at 00:00:02Z is 02:00:02 local.
    expect(row).to.include({ reload_date: '2026-01-01', reload_time: '02:00:02', tm_reload: log.timeOf(3) });
  });

  it('ignores a reload Asterisk only queued or refused as already running', () => {
    const log = new LogBuilder();
    log.snapshot('CoreStatus', { response: coreStatus });
    log.add('Reload', { Module: 'app_queue.so', Status: '4' });
    expect(run(log).changes).to.have.length(1);
  });

  it('ignores snapshots of other actions and failed resync actions', () => {
    const log = new LogBuilder();
    log.snapshot('QueueStatus', { response: { Response: 'Success' } });
    log.add('AmiSnapshotFailed', { action: 'CoreSettings', round: 'r1', error: 'Permission denied', response: { Response: 'Error', Message: 'Permission denied' } });
    expect(run(log).changes).to.deep.equal([]);
  });
});
