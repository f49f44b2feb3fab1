import { expect } from 'chai';
import { ConfigError, loadConfig, resultFilePath } from '../../src/config.js';

describe('config', () => {
  it('takes every default from config/default.json and JADE_* variables over them, numbers as numbers', () => {
    const config = loadConfig({ env: { JADE_HTTP_PORT: '9090', JADE_AMI_HOST: '10.0.0.5', JADE_EVENTSTORE: 'memory' } });
    expect(config.http.port).to.equal(9090);
    expect(config.ami.host).to.equal('10.0.0.5');
    expect(config.ami.port).to.equal(5038);
    expect(config.eventstore.type).to.equal('memory');
  });

  it('refuses a number variable that is blank or not a number, naming the key', () => {
    expect(() => loadConfig({ env: { JADE_HTTP_PORT: ' ' } })).to.throw(ConfigError, /http\.port/);
    expect(() => loadConfig({ env: { JADE_AMI_PORT: 'five' } })).to.throw(ConfigError, /ami\.port/);
  });

  it('refuses an unknown event store, esdb or postgres without a URL, and a time zone that is not IANA', () => {
    expect(() => loadConfig({ env: { JADE_EVENTSTORE: 'mysql' } })).to.throw(ConfigError, /eventstore\.type/);
    expect(() => loadConfig({ env: { JADE_EVENTSTORE: 'esdb' } })).to.throw(ConfigError, /JADE_ESDB_URL/);
    expect(() => loadConfig({ env: { JADE_EVENTSTORE: 'postgres' } })).to.throw(ConfigError, /JADE_POSTGRES_URL/);
    expect(() => loadConfig({ env: { JADE_OB_TIMEZONE: 'Mars/Olympus' } })).to.throw(ConfigError, /timezone/);
  });

  it('selects the PostgreSQL store with JADE_EVENTSTORE=postgres and JADE_POSTGRES_URL; SQLite stays the default', () => {
    expect(loadConfig({ env: {} }).eventstore.type).to.equal('sqlite');
    const config = loadConfig({ env: { JADE_EVENTSTORE: 'postgres', JADE_POSTGRES_URL: 'postgres://jade@db.example:5432/jade' } });
    expect(config.eventstore).to.include({ type: 'postgres', postgresUrl: 'postgres://jade@db.example:5432/jade' });
  });

  it('reads the cluster keys (node id, advertised URL from env) and refuses a bad URL or a session timeout shorter than two heartbeats', () => {
    const config = loadConfig({ env: { JADE_CLUSTER_NODE_ID: 'jade-a', JADE_CLUSTER_ADVERTISE_URL: 'http://10.0.0.11:8081' } });
    expect(config.cluster).to.deep.equal({ nodeId: 'jade-a', advertiseUrl: 'http://10.0.0.11:8081', lockRetryMs: 1000, sessionTimeoutMs: 5000, forwardTimeoutMs: 30000 });
    expect(loadConfig({ env: {} }).cluster.advertiseUrl, 'derived from http.host/port when empty').to.equal('');
    expect(() => loadConfig({ env: { JADE_CLUSTER_ADVERTISE_URL: 'ftp://x' } })).to.throw(ConfigError, /cluster\.advertiseUrl/);
    expect(() => loadConfig({ env: { JADE_CLUSTER_ADVERTISE_URL: 'not a url' } })).to.throw(ConfigError, /cluster\.advertiseUrl/);
    expect(() => loadConfig({ env: {}, overrides: { cluster: { sessionTimeoutMs: 1500 } } })).to.throw(ConfigError, /cluster\.sessionTimeoutMs/);
    expect(() => loadConfig({ env: {}, overrides: { cluster: { forwardTimeoutMs: 0 } } })).to.throw(ConfigError, /cluster\.forwardTimeoutMs/);
  });

  it('puts the outbound result file in the data dir unless told otherwise', () => {
    expect(resultFilePath(loadConfig({ env: { JADE_DATA_DIR: '/srv/jade' } }))).to.equal('/srv/jade/outbound_result.json');
    expect(resultFilePath(loadConfig({ env: { JADE_OB_RESULT_FILE: '/tmp/r.json' } }))).to.equal('/tmp/r.json');
  });

  describe('ami.nodes (several Asterisk boxes)', () => {
    const box = (node: string, port = 5038) => ({ node, host: '10.0.0.1', port, username: 'jade', secret: 's' });

    it('is the one box of the single-node keys when absent or empty', () => {
      const config = loadConfig({ env: { JADE_AMI_HOST: '10.0.0.5', JADE_AMI_NODE: 'pbx1', JADE_AMI_SECRET: 'x' } });
      expect(config.ami.nodes).to.deep.equal([
        { node: 'pbx1', host: '10.0.0.5', port: 5038, username: 'jade', secret: 'x', keepaliveMs: 10000, actionTimeoutMs: 10000, reconnectInitialMs: 250, reconnectMaxMs: 5000 },
      ]);
    });

    it('takes the list from config or JADE_AMI_NODES (JSON), each box\'s timings defaulting to the ami keys', () => {
      const fromFile = loadConfig({ env: {}, overrides: { ami: { keepaliveMs: 3000, nodes: [box('east'), { ...box('west', 5039), keepaliveMs: 500 }] } } });
      expect(fromFile.ami.nodes.map((n) => [n.node, n.port, n.keepaliveMs])).to.deep.equal([
        ['east', 5038, 3000],
        ['west', 5039, 500],
      ]);
      const fromEnv = loadConfig({ env: { JADE_AMI_NODES: JSON.stringify([box('a'), box('b', 6000)]) } });
      expect(fromEnv.ami.nodes.map((n) => `${n.node}:${n.port}`)).to.deep.equal(['a:5038', 'b:6000']);
    });

    it('refuses a list that is not JSON, twice the same node, a name unusable in pbx-<node>, a bad port, a missing host', () => {
      expect(() => loadConfig({ env: { JADE_AMI_NODES: '[{' } })).to.throw(ConfigError, /ami\.nodes must be a JSON array/);
      expect(() => loadConfig({ env: {}, overrides: { ami: { nodes: [box('a'), box('a', 5039)] } } })).to.throw(ConfigError, /node "a" is listed twice/);
      expect(() => loadConfig({ env: {}, overrides: { ami: { nodes: [box('a/b')] } } })).to.throw(ConfigError, /ami\.nodes\[0\]\.node/);
      expect(() => loadConfig({ env: {}, overrides: { ami: { nodes: [box('a'), box('b', 70000)] } } })).to.throw(ConfigError, /ami\.nodes\[1\]\.port/);
      expect(() => loadConfig({ env: {}, overrides: { ami: { nodes: [{ ...box('a'), host: '' }] } } })).to.throw(ConfigError, /ami\.nodes\[0\]\.host/);
      expect(() => loadConfig({ env: {}, overrides: { ami: { nodes: { node: 'a' } } } })).to.throw(ConfigError, /ami\.nodes must be a list/);
      expect(() => loadConfig({ env: { JADE_AMI_NODE: 'has space' } })).to.throw(ConfigError, /ami\.node/);
    });
  });
});
