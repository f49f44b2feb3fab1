/**
 * Long CLI work run as a separate process with stderr not a terminal (a pipe): progress comes as whole
 * lines on stderr, and the export's stdout stays exactly the data.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { SqliteEventStore } from '../../../src/eventstore/index.js';

const bin = fileURLToPath(new URL('../../../bin/jade.js', import.meta.url));
// More than two of the plain output's 10,000-event steps, so lines come mid-run as well as at the end.
const eventCount = 25_000;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(dataDir: string, args: readonly string[]): Promise<Run> {
  const env = { ...process.env, JADE_DATA_DIR: dataDir, JADE_LOG_LEVEL: 'silent' };
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** stderr lines of the command's own progress (a stale-build notice may come before them). */
const progressLines = (stderr: string, label: string): string[] => stderr.split('\n').filter((line) => line.startsWith(`${label}: `));

describe('progress of jade events export and jade rebuild, stderr not a terminal', function () {
  this.timeout(120_000);
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'jade-progress-'));
    const store = await SqliteEventStore.open({ dataDir });
    for (let start = 0; start < eventCount; start += 1_000) {
      const events = Array.from({ length: 1_000 }, (_, i) => ({ type: 'UserEvent', data: { UserEvent: `n${start + i}`, Linkedid: `progress-${start}` }, metadata: {} }));
      await store.append(`call-progress-${start}`, events);
    }
    await store.close();
  });

  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('export: stdout is the events as JSON Lines and nothing else; stderr has progress lines and a summary, no \\r', async () => {
    const result = await run(dataDir, ['events', 'export']);
    expect(result.code, result.stderr).to.equal(0);
    const lines = result.stdout.split('\n');
    expect(lines.pop(), 'ends with a newline').to.equal('');
    const events = lines.map((line) => JSON.parse(line) as { position: number; type: string; data: { UserEvent: string } });
    expect(events.map((event) => event.position)).to.deep.equal(Array.from({ length: eventCount }, (_, i) => i + 1));
    expect(events.every((event, i) => event.type === 'UserEvent' && event.data.UserEvent === `n${i}`)).to.equal(true);

    expect(result.stderr).not.to.include('\r');
    const progress = progressLines(result.stderr, 'export');
    expect(progress.length, result.stderr).to.be.at.least(3);
    expect(progress.at(-1)).to.match(/^export: 25,000 events in \d+\.\d s, [\d,]+ events\/s$/);
    for (const line of progress.slice(0, -1)) expect(line).to.match(/^export: [\d,]+\/25,000 events \(\d+%\), [\d,]+ events\/s, ETA (\d+ s|\d+ min \d+ s)$/);
  });

  it('export of a range counts that range', async () => {
    const result = await run(dataDir, ['events', 'export', '--from', '101', '--to', '200']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout.trim().split('\n')).to.have.length(100);
    expect(progressLines(result.stderr, 'export')).to.have.length(1);
    expect(progressLines(result.stderr, 'export')[0]).to.match(/^export: 100 events in /);
  });

  it('rebuild: progress lines of the replay on stderr, then the summary and the result', async () => {
    const result = await run(dataDir, ['rebuild']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal('');
    expect(result.stderr).not.to.include('\r');
    const progress = progressLines(result.stderr, 'rebuild');
    expect(progress.length, result.stderr).to.be.at.least(3);
    expect(progress[0]).to.match(/^rebuild: [\d,]+\/25,000 events \(\d+%\)/);
    expect(progress.at(-1)).to.match(/^rebuild: 25,000 events in /);
    expect(result.stderr).to.match(/rebuilt .+ to position 25000: 25000 events in/);
  });
});
