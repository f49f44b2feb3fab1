import { Writable } from 'node:stream';
import { expect } from 'chai';
import { chooseLogFormat, createLogger } from '../../src/logger.js';
import { loadConfig } from '../../src/config.js';
import { startingLine, startupLines } from '../../src/startup-banner.js';

/** Collects what a logger writes. */
function sink(): { readonly stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('logs (src/logger.ts, src/startup-banner.ts)', () => {
  describe('chooseLogFormat', () => {
    it('is readable on a terminal and JSON lines otherwise, unless forced', () => {
      expect(chooseLogFormat('auto', true)).to.equal('pretty');
      expect(chooseLogFormat('auto', false)).to.equal('json');
      expect(chooseLogFormat('json', true)).to.equal('json');
      expect(chooseLogFormat('pretty', false)).to.equal('pretty');
    });

    it('takes the forced format from JADE_LOG_FORMAT, and refuses anything but auto, json and pretty', () => {
      expect(loadConfig({ env: { NODE_ENV: 'test' } }).log.format).to.equal('auto');
      expect(loadConfig({ env: { NODE_ENV: 'test', JADE_LOG_FORMAT: 'json' } }).log.format).to.equal('json');
      expect(loadConfig({ env: { NODE_ENV: 'test', JADE_LOG_FORMAT: 'pretty' } }).log.format).to.equal('pretty');
      expect(() => loadConfig({ env: { NODE_ENV: 'test', JADE_LOG_FORMAT: 'fancy' } })).to.throw(/log\.format must be auto, json or pretty/);
    });
  });

  describe('createLogger', () => {
    it('writes one JSON object per line in json, with secrets redacted', () => {
      const out = sink();
      createLogger('info', 'jade', { format: 'json', destination: out.stream }).info({ password: 'hunter2', port: 8081 }, 'jade is serving');
      const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
      expect(line).to.deep.include({ msg: 'jade is serving', port: 8081, password: '[redacted]', level: 30 });
    });

    it('writes a readable single line in pretty: time, level, message, fields; secrets still redacted', () => {
      const out = sink();
      const logger = createLogger('info', 'jade', { format: 'pretty', destination: out.stream });
      logger.child({ module: 'ami' }).warn({ secret: 'hunter2', host: '127.0.0.1' }, 'AMI connection refused');
      const text = out.text();
      expect(text.trim().split('\n')).to.have.length(1);
      expect(text).to.match(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: ami: AMI connection refused/);
      expect(text).to.include('"host":"127.0.0.1"');
      expect(text).to.not.include('hunter2');
      expect(() => JSON.parse(text) as unknown).to.throw();
    });
  });

  describe('startupLines', () => {
    const config = loadConfig({ env: { NODE_ENV: 'test' }, overrides: { http: { host: '0.0.0.0', port: 8081 }, ami: { host: 'pbx.example', port: 5038, username: 'jade', secret: 'topsecret' } } });

    it('tells a newcomer where to go, which Asterisk it waits for, and about the demo; never the AMI secret', () => {
      const lines = startupLines(config, 8081, false);
      const text = lines.join('\n');
      expect(lines[0]).to.include('http://localhost:8081/v1');
      expect(text).to.include('http://localhost:8081/v1/docs');
      expect(text).to.include('waiting for Asterisk: AMI pbx.example:5038 as user jade');
      expect(text).to.include('npm run demo');
      expect(text).to.include('JADE_METRICS_LISTEN');
      expect(text).to.not.include('topsecret');
    });

    it('says first, before anything starts, where it will listen and which Asterisk it will ask', () => {
      expect(startingLine(config)).to.include('HTTP on 0.0.0.0:8081').and.include('Asterisk AMI at pbx.example:5038').and.not.include('topsecret');
    });

    it('says connected once AMI is up, and names the token-less metrics address when one is set', () => {
      const text = startupLines({ ...config, metrics: { listen: '127.0.0.1:9464' } }, 8081, true).join('\n');
      expect(text).to.include('connected to Asterisk').and.include('http://127.0.0.1:9464/metrics (no token)');
    });
  });
});
