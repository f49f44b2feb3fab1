/**
 * `jade rebuild --server` shows progress like the offline rebuild: while its POST is pending it polls
 * `GET /v1/admin/projections`, whose `rebuild` says where the server's replay stands.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { rebuildOnServer } from '../../../src/cli/rebuild.js';
import { ProgressReporter } from '../../../src/cli/progress.js';
import { startTestJade, type RunningJade } from '../../support/jade.js';

type Row = Record<string, unknown>;

describe('rebuild on a running server: progress', function () {
  this.timeout(60_000);

  describe('GET /v1/admin/projections while a rebuild runs', () => {
    let jade: RunningJade;
    const eventCount = 30_000;

    before(async () => {
      jade = await startTestJade(undefined);
      for (let start = 0; start < eventCount; start += 1_000) {
        const events = Array.from({ length: 1_000 }, (_, i) => ({ type: 'UserEvent', data: { UserEvent: `n${start + i}`, Linkedid: `progress-${start}` }, metadata: {} }));
        await jade.jade.store.append(`call-progress-${start}`, events);
      }
    });

    after(async () => {
      await jade?.stop();
    });

    it('answers rebuild {projections, position, target} mid-replay, and no rebuild once it is over', async () => {
      let over = false;
      const rebuilt = jade.post('/v1/admin/projections/rebuild', {}).finally(() => (over = true));
      const seen: Row[] = [];
      while (!over) {
        const status = await jade.get('/v1/admin/projections');
        expect(status.status, status.text).to.equal(200);
        const rebuild = (status.body?.result as Row | undefined)?.rebuild as Row | undefined;
        if (rebuild !== undefined) seen.push(rebuild);
      }
      const answer = await rebuilt;
      expect(answer.status, answer.text).to.equal(200);
      const target = Number((answer.body?.result as Row).position);
      expect(target).to.be.at.least(eventCount);
      expect(seen, 'progress seen while the POST was pending').to.not.deep.equal([]);
      const midway = seen.filter((progress) => Number(progress.position) > 0 && Number(progress.position) < Number(progress.target));
      expect(midway, 'a poll landed between pages').to.not.deep.equal([]);
      for (const progress of seen) {
        expect(progress.projections).to.be.an('array').that.is.not.empty;
        expect(Number(progress.position)).to.be.at.most(Number(progress.target));
        expect(Number(progress.target)).to.be.at.most(target);
      }
      const after = await jade.get('/v1/admin/projections');
      expect((after.body?.result as Row).rebuilding).to.equal(false);
      expect(after.body?.result as Row).to.not.have.property('rebuild');
    });
  });

  describe('the CLI (stderr not a terminal)', () => {
    let server: Server;
    let base: string;
    /** What GET /v1/admin/projections answers, poll after poll; the POST answers once all are served. */
    const steps = [undefined, { position: 10_000, target: 30_000 }, { position: 20_000, target: 30_000 }, { position: 30_000, target: 30_000 }];
    let polls = 0;
    let answerPost: (() => void) | undefined;

    const send = (res: ServerResponse, result: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ statuscode: 200, result }));
    };

    before(async () => {
      server = createServer((req: IncomingMessage, res: ServerResponse) => {
        expect(req.headers.authorization).to.equal('Bearer t0k');
        if (req.method === 'POST') {
          answerPost = () => send(res, { projections: ['channels', 'queues'], position: 30_000, events: 30_000, changes: 0, duration_ms: 1_500 });
          if (polls >= steps.length) answerPost();
          return;
        }
        const step = steps[Math.min(polls, steps.length - 1)];
        polls += 1;
        send(res, { state: 'running', rebuilding: step !== undefined, ...(step ? { rebuild: { projections: ['channels', 'queues'], ...step } } : {}) });
        if (polls >= steps.length) answerPost?.();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('writes a progress line per polled stretch, then the summary; whole lines, no \\r', async () => {
      let output = '';
      const write = (text: string): void => void (output += text);
      const progress = new ProgressReporter({ label: 'rebuild', tty: false, write });
      await rebuildOnServer({ base, authtoken: 't0k', projection: undefined, progress, write, pollMs: 5 });
      expect(output).to.not.include('\r');
      const lines = output.split('\n');
      expect(lines.pop()).to.equal('');
      expect(lines[0]).to.equal(`rebuilding every projection on ${base} ...`);
      const progressLines = lines.filter((line) => line.startsWith('rebuild: '));
      expect(progressLines.map((line) => line.replace(/, [^ ]+ events\/s.*$/, ''))).to.deep.equal([
        'rebuild: 10,000/30,000 events (33%)',
        'rebuild: 20,000/30,000 events (66%)',
        'rebuild: 30,000/30,000 events (100%)',
      ]);
      expect(lines[lines.length - 1]).to.equal('rebuilt channels, queues to position 30000: 30000 events in 1.5 s, 0 rows changed');
    });
  });
});
