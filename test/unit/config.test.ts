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
});
