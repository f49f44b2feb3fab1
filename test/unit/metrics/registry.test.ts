import { expect } from 'chai';
import type { RecordedEvent } from '../../../src/events/index.js';
import { JadeMetrics } from '../../../src/metrics/index.js';
import { logFact } from '../../../src/metrics/log-facts.js';
import { parseExposition, sampleOf } from '../../support/prometheus.js';

let position = 0;
function logged(type: string, stream: string, data: Record<string, unknown> = {}): RecordedEvent {
  position++;
  return { type, data, metadata: {}, stream, position, revision: 0, recordedAt: '2026-01-01T00:00:00.000Z' };
}

const scrape = async (metrics: JadeMetrics) => parseExposition((await metrics.render()).text);

describe('metrics (src/metrics)', () => {
  describe('logFact: what the log says happened', () => {
    it('reads dialings started and ended (with the reason) and command outcomes off the log', () => {
      expect(logFact(logged('DialingCreated', 'dialing-1'))).to.deep.equal({ kind: 'dialing_started' });
      expect(logFact(logged('DialingEnded', 'dialing-1', { reason: 'hangup' }))).to.deep.equal({ kind: 'dialing_ended', reason: 'hangup' });
      expect(logFact(logged('DialingEnded', 'dialing-1', {}))).to.deep.equal({ kind: 'dialing_ended', reason: 'unknown' });
      expect(logFact(logged('OriginateRequested', 'command-1'))).to.deep.equal({ kind: 'command', type: 'Originate', outcome: 'requested' });
      expect(logFact(logged('ModuleReloadSucceeded', 'command-2'))).to.deep.equal({ kind: 'command', type: 'ModuleReload', outcome: 'succeeded' });
      expect(logFact(logged('HangupUnknown', 'command-3'))).to.deep.equal({ kind: 'command', type: 'Hangup', outcome: 'unknown' });
    });

    it('counts no command for an event that only looks like one outside a command stream', () => {
      expect(logFact(logged('OriginateSucceeded', 'pbx-asterisk'))).to.equal(undefined);
      expect(logFact(logged('Newchannel', 'call-1'))).to.equal(undefined);
    });
  });

  describe('JadeMetrics', () => {
    it('moves the counters with the log: events by type, dialings, commands', async () => {
      const metrics = new JadeMetrics();
      metrics.observeLog([logged('Newchannel', 'call-1'), logged('Newchannel', 'call-2'), logged('DialingCreated', 'dialing-1')]);
      metrics.observeLog([logged('DialingEnded', 'dialing-1', { reason: 'originate_failed' }), logged('OriginateRequested', 'command-9'), logged('OriginateFailed', 'command-9')]);
      const samples = await scrape(metrics);
      expect(sampleOf(samples, 'jade_events_ingested_total', { type: 'Newchannel' })).to.equal(2);
      expect(sampleOf(samples, 'jade_events_ingested_total', { type: 'OriginateFailed' })).to.equal(1);
      expect(sampleOf(samples, 'jade_dialer_dialings_started_total')).to.equal(1);
      expect(sampleOf(samples, 'jade_dialer_dialings_ended_total', { reason: 'originate_failed' })).to.equal(1);
      expect(sampleOf(samples, 'jade_commands_total', { type: 'Originate', outcome: 'requested' })).to.equal(1);
      expect(sampleOf(samples, 'jade_commands_total', { type: 'Originate', outcome: 'failed' })).to.equal(1);
    });

    it('reports each Asterisk box\'s link under its node', async () => {
      const metrics = new JadeMetrics();
      metrics.attach({
        ami: () => [{ node: 'east', connected: true }, { node: 'west', connected: false }],
        headPosition: async () => 0,
        projections: { projectionPositions: () => [], faultCount: () => 0 },
      });
      const samples = await scrape(metrics);
      expect(sampleOf(samples, 'jade_ami_connected', { node: 'east' })).to.equal(1);
      expect(sampleOf(samples, 'jade_ami_connected', { node: 'west' })).to.equal(0);
    });

    it('reads the current state from its sources at scrape time: AMI per node, log head, projection positions and lag, faults, realtime', async () => {
      const metrics = new JadeMetrics();
      let connected = false;
      let head = 10;
      metrics.attach({
        ami: () => [{ node: 'pbx1', connected }],
        headPosition: async () => head,
        projections: { projectionPositions: () => [{ name: 'channels', position: 10 }, { name: 'queues', position: 7 }], faultCount: () => 2 },
        realtime: () => ({ clients: { socketIo: 3, ws: 1 }, delivered: { events: 42 }, dropped: 1 }),
      });
      let samples = await scrape(metrics);
      expect(sampleOf(samples, 'jade_ami_connected', { node: 'pbx1' })).to.equal(0);
      expect(sampleOf(samples, 'jade_log_position')).to.equal(10);
      expect(sampleOf(samples, 'jade_projection_position', { projection: 'queues' })).to.equal(7);
      expect(sampleOf(samples, 'jade_projection_lag_events', { projection: 'queues' })).to.equal(3);
      expect(sampleOf(samples, 'jade_projection_lag_events', { projection: 'channels' })).to.equal(0);
      expect(sampleOf(samples, 'jade_projection_faults')).to.equal(2);
      expect(sampleOf(samples, 'jade_realtime_clients', { transport: 'socket.io' })).to.equal(3);
      expect(sampleOf(samples, 'jade_realtime_events_delivered_total')).to.equal(42);
      expect(sampleOf(samples, 'jade_realtime_clients_dropped_total')).to.equal(1);

      connected = true;
      head = 12;
      samples = await scrape(metrics);
      expect(sampleOf(samples, 'jade_ami_connected', { node: 'pbx1' })).to.equal(1);
      expect(sampleOf(samples, 'jade_projection_lag_events', { projection: 'channels' })).to.equal(2);
      // A scrape copies the fan-out's totals; it does not add them up twice.
      expect(sampleOf(samples, 'jade_realtime_events_delivered_total')).to.equal(42);
    });

    it('labels HTTP durations by route pattern and status, and times appends', async () => {
      const metrics = new JadeMetrics();
      metrics.observeHttp('GET', '/core/channels/:id', 404, 0.003);
      metrics.observeHttp('GET', '/core/channels/:id', 404, 0.2);
      metrics.observeAppend(0.0004);
      const samples = await scrape(metrics);
      expect(sampleOf(samples, 'jade_http_request_duration_seconds_count', { method: 'GET', route: '/core/channels/:id', status: '404' })).to.equal(2);
      expect(sampleOf(samples, 'jade_http_request_duration_seconds_bucket', { method: 'GET', route: '/core/channels/:id', status: '404', le: '0.005' })).to.equal(1);
      expect(sampleOf(samples, 'jade_eventstore_append_duration_seconds_count')).to.equal(1);
      expect(sampleOf(samples, 'jade_eventstore_append_duration_seconds_bucket', { le: '0.0005' })).to.equal(1);
    });
  });
});
