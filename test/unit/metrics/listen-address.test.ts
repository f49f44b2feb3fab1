import { expect } from 'chai';
import { loadConfig, parseListenAddress } from '../../../src/config.js';

describe('metrics.listen (src/config.ts parseListenAddress)', () => {
  it('reads host:port, [ipv6]:port and :port (every address)', () => {
    expect(parseListenAddress('127.0.0.1:9464')).to.deep.equal({ host: '127.0.0.1', port: 9464 });
    expect(parseListenAddress('[::1]:9464')).to.deep.equal({ host: '::1', port: 9464 });
    expect(parseListenAddress(':9464')).to.deep.equal({ host: '0.0.0.0', port: 9464 });
    expect(parseListenAddress('metrics.internal:0')).to.deep.equal({ host: 'metrics.internal', port: 0 });
  });

  it('refuses what is not an address', () => {
    for (const bad of ['9464', '127.0.0.1', '127.0.0.1:', '127.0.0.1:99999', '::1:9464', 'host:port', '']) expect(parseListenAddress(bad), bad).to.equal(undefined);
  });

  it('comes from JADE_METRICS_LISTEN, empty by default, and a malformed one stops the start', () => {
    expect(loadConfig({ env: { NODE_ENV: 'test' } }).metrics.listen).to.equal('');
    expect(loadConfig({ env: { NODE_ENV: 'test', JADE_METRICS_LISTEN: '127.0.0.1:9464' } }).metrics.listen).to.equal('127.0.0.1:9464');
    expect(() => loadConfig({ env: { NODE_ENV: 'test', JADE_METRICS_LISTEN: '9464' } })).to.throw(/metrics\.listen must be host:port/);
  });
});
