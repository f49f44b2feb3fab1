import { expect } from 'chai';
import { modulesProjection, parseModuleLine, parseModuleShow } from '../../../projections/modules.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import { LogBuilder } from './support/events.js';

/** One line as Asterisk prints it: `%-30s %-40.40s %-10d %-11s %13s`. */
function line(name: string, description: string, useCount: number, status: string, level: string): string {
  return `${name.padEnd(30)} ${description.slice(0, 40).padEnd(40)} ${String(useCount).padEnd(10)} ${status.padEnd(11)} ${level.padStart(13)}`;
}

const header = `${'Module'.padEnd(30)} ${'Description'.padEnd(40)} ${'Use Count'.padEnd(10)} ${'Status'.padEnd(11)} ${'Support Level'.padStart(13)}`;

const showOutput = [
  header,
  line('app_queue.so', 'True Call Queueing', 0, 'Running', 'core'),
  line('app_voicemail.so', 'Comedian Mail (Voicemail System)', 1, 'Running', 'core'),
  line('chan_mobile.so', 'Bluetooth Mobile Device Channel Driver', 0, 'Not Running', 'extended'),
  line('codec_g726.so', 'ITU G.726-32kbps G726 Transcoder 2 3 4 5 6 7 8', 12, 'Running', 'core'),
  line('res_pjsip_outbound_registration.so', 'PJSIP Outbound Registration Support', 3, 'Running', 'core'),
  line('cdr', 'CDR Engine', 2, 'Running', 'core'),
  '6 modules loaded',
];

function run(log: LogBuilder) {
  const projection = new MemoryProjection(modulesProjection.inner);
  return { projection, changes: projection.apply(log.all()) };
}

describe('modules projection', () => {
  describe('module show parsing', () => {
    it('reads every column, names without .so, skipping header and footer', () => {
      expect(parseModuleShow(showOutput)).to.deep.equal([
        { name: 'app_queue', description: 'True Call Queueing', use_count: 0, load: 'Running', support_level: 'core' },
        { name: 'app_voicemail', description: 'Comedian Mail (Voicemail System)', use_count: 1, load: 'Running', support_level: 'core' },
        { name: 'chan_mobile', description: 'Bluetooth Mobile Device Channel Driver', use_count: 0, load: 'Not Running', support_level: 'extended' },
        { name: 'codec_g726', description: 'ITU G.726-32kbps G726 Transcoder 2 3 4 5', use_count: 12, load: 'Running', support_level: 'core' },
        { name: 'res_pjsip_outbound_registration', description: 'PJSIP Outbound Registration Support', use_count: 3, load: 'Running', support_level: 'core' },
        { name: 'cdr', description: 'CDR Engine', use_count: 2, load: 'Running', support_level: 'core' },
      ]);
    });

    it('falls back to a pattern when the columns were squeezed', () => {
      expect(parseModuleLine('app_dial.so Dialing Application 4 Not Running core')).to.deep.equal({
        name: 'app_dial',
        description: 'Dialing Application',
        use_count: 4,
        load: 'Not Running',
        support_level: 'core',
      });
    });

    it('accepts output delivered as one multi-line string', () => {
      expect(parseModuleShow([showOutput.join('\n')])).to.have.length(6);
    });
  });

  it('creates one row per module from the module show snapshot', () => {
    const log = new LogBuilder();
    log.snapshot('Command: module show', { output: showOutput });
    const { projection, changes } = run(log);
    expect(changes.every((c) => c.op === 'create')).to.equal(true);
    expect(projection.row('modules', 'app_queue')).to.deep.equal({
      name: 'app_queue',
      description: 'True Call Queueing',
      use_count: 0,
      load: 'Running',
      support_level: 'core',
      size: null,
      tm_update: log.timeOf(1),
    });
  });

  it('on a new snapshot, keeps modules Asterisk no longer lists as Not Running and updates changed ones', () => {
    const log = new LogBuilder();
    log.snapshot('Command: module show', { output: showOutput });
    log.snapshot('Command: module show', { output: [header, line('app_queue.so', 'True Call Queueing', 2, 'Running', 'core'), line('cdr', 'CDR Engine', 2, 'Running', 'core')] });
    const { projection, changes } = run(log);
    const second = changes.filter((c) => c.position === 2);
    // chan_mobile already said Not Running: nothing to change.
    expect(second.map((c) => [c.op, c.key])).to.deep.equal([
      ['update', 'app_queue'],
      ['update', 'app_voicemail'],
      ['update', 'codec_g726'],
      ['update', 'res_pjsip_outbound_registration'],
    ]);
    expect(projection.row('modules', 'app_queue')).to.include({ use_count: 2, tm_update: log.timeOf(2) });
    expect(projection.row('modules', 'app_voicemail')).to.include({ load: 'Not Running', use_count: 0, description: 'Comedian Mail (Voicemail System)', tm_update: log.timeOf(2) });
    expect(projection.rows('modules')).to.have.length(6);
  });

  it('reconciles only the modules a `module show like` snapshot covers', () => {
    const log = new LogBuilder();
    log.snapshot('Command: module show', { output: showOutput });
    log.snapshot('Command: module show like app_', { output: [header, line('app_queue.so', 'True Call Queueing', 0, 'Running', 'core'), '1 modules loaded'] });
    const { projection } = run(log);
    expect(projection.rows('modules').map((r) => r.name)).to.deep.equal(['app_queue', 'app_voicemail', 'cdr', 'chan_mobile', 'codec_g726', 'res_pjsip_outbound_registration']);
    // In scope and not listed: not running now. Out of scope (res_, codec_): as they were.
    expect(projection.rows('modules').filter((r) => r.load === 'Not Running').map((r) => r.name)).to.deep.equal(['app_voicemail', 'chan_mobile']);
  });

  it('deletes nothing when it cannot read every line Asterisk says it listed', () => {
    const log = new LogBuilder();
    log.snapshot('Command: module show', { output: showOutput });
    // A changed output format: the footer counts 6 modules, none of these lines parses.
    log.snapshot('Command: module show', { output: ['app_queue.so|True Call Queueing|0|Running|core', '6 modules loaded'] });
    log.snapshot('Command: module show', { output: [] });
    expect(run(log).projection.rows('modules')).to.have.length(6);
  });

  it('ignores a failed resync action', () => {
    const log = new LogBuilder();
    log.snapshot('Command: module show', { output: showOutput });
    log.add('AmiSnapshotFailed', { action: 'Command: module show', round: 'r2', error: 'timeout' });
    expect(run(log).changes).to.have.length(6);
  });

  it('follows Asterisk Load, Unload and Reload events', () => {
    const log = new LogBuilder();
    log.snapshot('Command: module show', { output: showOutput });
    log.add('Unload', { Module: 'app_voicemail.so', Status: 'Success' });
    log.add('Load', { Module: 'app_voicemail', Status: 'Success' });
    log.add('Load', { Module: 'app_queue.so', Status: 'Decline' }); // already running: Asterisk declines, nothing changes
    log.add('Reload', { Module: 'app_queue.so', Status: '0' });
    log.add('Reload', { Module: 'chan_mobile.so', Status: '5' });
    const { projection, changes } = run(log);

    expect(changes.filter((c) => c.position > 1).map((c) => [c.op, c.key, c.position])).to.deep.equal([
      ['update', 'app_voicemail', 2],
      ['update', 'app_voicemail', 3],
      ['update', 'app_queue', 5],
    ]);
    expect(changes.find((c) => c.position === 2)?.row).to.include({ name: 'app_voicemail', load: 'Not Running' });
    expect(projection.row('modules', 'app_voicemail')).to.include({ load: 'Running' });
    expect(projection.row('modules', 'app_queue')).to.include({ load: 'Running', tm_update: log.timeOf(5) });
  });
});
