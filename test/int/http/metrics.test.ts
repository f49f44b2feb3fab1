import { expect } from 'chai';
import { FakeAmi, type FakeFrame } from '../../support/fake-ami.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../../support/jade.js';
import { parseExposition, sampleOf, samplesNamed, type Samples } from '../../support/prometheus.js';

function userEvent(uniqueId: string): FakeFrame {
  return {
    Event: 'UserEvent', UserEvent: 'metrics-test', Channel: 'PJSIP/100-00000001', ChannelState: '6', ChannelStateDesc: 'Up', CallerIDNum: '100', CallerIDName: 'A',
    ConnectedLineNum: '<unknown>', ConnectedLineName: '<unknown>', Language: 'en', AccountCode: '', Context: 'demo', Exten: '100', Priority: '1', Uniqueid: uniqueId, Linkedid: uniqueId,
  };
}

describe('Prometheus metrics (/metrics, metrics.listen) over HTTP (fake Asterisk)', function () {
  this.timeout(30_000);
  let fake: FakeAmi;
  let jade: RunningJade;
  let scrapeUrl: string;

  before(async () => {
    fake = await FakeAmi.start();
    jade = await startTestJade(undefined, {
      overrides: {
        ami: { host: '127.0.0.1', port: fake.port, username: fake.username, secret: fake.secret, reconnectInitialMs: 50, reconnectMaxMs: 200 },
        metrics: { listen: '127.0.0.1:0' },
      },
    });
    await waitForAmi(jade);
    expect(jade.jade.metricsPort).to.be.a('number');
    scrapeUrl = `http://127.0.0.1:${jade.jade.metricsPort}/metrics`;
  });

  after(async () => {
    await jade?.stop();
    await fake?.close();
  });

  /** A scrape of the token-less listener, parsed. */
  const scrape = async (): Promise<Samples> => {
    const response = await fetch(scrapeUrl);
    expect(response.status).to.equal(200);
    return parseExposition(await response.text());
  };

  it('asks the API port for an admin token, and serves the metrics.listen port without one (and nothing else there)', async () => {
    expect((await jade.http.get('/v1/metrics')).status).to.equal(401);
    const withToken = await jade.get('/v1/metrics');
    expect(withToken.status).to.equal(200);
    expect(withToken.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    expect(parseExposition(withToken.text).size).to.be.greaterThan(10);
    const listener = await fetch(scrapeUrl);
    expect(listener.status).to.equal(200);
    expect((await fetch(scrapeUrl.replace('/metrics', '/v1/core/channels'))).status).to.equal(404);
  });

  it('says the AMI link of the node is up and where the log and each projection are', async () => {
    const samples = await scrape();
    expect(sampleOf(samples, 'jade_ami_connected', { node: jade.config.ami.node })).to.equal(1);
    const head = await jade.jade.store.headPosition();
    expect(sampleOf(samples, 'jade_log_position')).to.be.at.least(head);
    const positions = samplesNamed(samples, 'jade_projection_position');
    expect(positions.map((p) => p.labels.projection)).to.include.members(['channels', 'queues']);
    expect(samplesNamed(samples, 'jade_projection_lag_events')).to.have.length(positions.length);
    expect(sampleOf(samples, 'jade_projection_faults')).to.equal(0);
    expect(sampleOf(samples, 'jade_realtime_clients', { transport: 'socket.io' })).to.equal(0);
  });

  it('counts an ingested AMI event by its type, and the appends that stored it', async () => {
    const before = await scrape();
    const userEvents = sampleOf(before, 'jade_events_ingested_total', { type: 'UserEvent' }) ?? 0;
    const appends = sampleOf(before, 'jade_eventstore_append_duration_seconds_count') ?? 0;
    fake.push([userEvent('1700000000.1')]);
    const after = await eventually(async () => {
      const samples = await scrape();
      return sampleOf(samples, 'jade_events_ingested_total', { type: 'UserEvent' }) === userEvents + 1 ? samples : undefined;
    }, 5000, 'the UserEvent to be counted');
    expect(sampleOf(after, 'jade_eventstore_append_duration_seconds_count')).to.be.greaterThan(appends);
    // Lag falls back to 0 once the projections applied it.
    await eventually(async () => {
      const lags = samplesNamed(await scrape(), 'jade_projection_lag_events');
      return lags.every((lag) => lag.value === 0) ? true : undefined;
    }, 5000, 'the projections to catch up');
  });

  it('times HTTP requests by the route pattern, not the URL, and by status', async () => {
    expect((await jade.get('/v1/core/channels/no-such-channel-42')).status).to.equal(404);
    // Refused at the gate before any route matched: counted, as `unmatched`.
    expect((await jade.http.get('/v1/core/channels/no-such-channel-43')).status).to.equal(401);
    const samples = await scrape();
    expect(sampleOf(samples, 'jade_http_request_duration_seconds_count', { method: 'GET', route: '/core/channels/:id', status: '404' })).to.equal(1);
    expect(sampleOf(samples, 'jade_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '401' })).to.be.at.least(1);
    const routes = samplesNamed(samples, 'jade_http_request_duration_seconds_count').map((s) => s.labels.route ?? '');
    expect(routes.filter((route) => route.includes('no-such-channel')), 'no raw URL as a label').to.deep.equal([]);
  });

  it('counts audited commands by type and outcome, as the command streams of the log record them', async () => {
    // Whatever the fake Asterisk answers, the command and its outcome are in the log.
    await jade.post('/v1/core/channels', { channel: 'PJSIP/100', application: 'Playback', data: 'hello-world' });
    const inLog = async (): Promise<Map<string, number>> => {
      const counts = new Map<string, number>();
      for (const event of await jade.jade.store.readAll()) {
        const outcome = /(Requested|Succeeded|Failed|Rejected|Unknown)$/.exec(event.type);
        if (!event.stream.startsWith('command-') || !outcome) continue;
        const key = `${event.type.slice(0, -outcome[1]!.length)} ${outcome[1]!.toLowerCase()}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    };
    const expected = await inLog();
    expect([...expected.keys()].some((key) => key.endsWith(' requested')), 'the command is in the log').to.equal(true);
    expect(expected.size, 'and its outcome').to.be.at.least(2);
    const samples = await eventually(async () => {
      const now = await scrape();
      return samplesNamed(now, 'jade_commands_total').length === expected.size ? now : undefined;
    }, 5000, 'the command to be counted');
    for (const [key, count] of expected) {
      const [type, outcome] = key.split(' ') as [string, string];
      expect(sampleOf(samples, 'jade_commands_total', { type, outcome }), key).to.equal(count);
    }
  });
});
