import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ResultFile } from '../../../src/outbound/dialer/result-file.js';

/** The result file on a real temp file: a torn last line (a crash mid-append) is cut before any use. */
describe('outbound result file', function () {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jade-result-'));
    path = join(dir, 'outbound_result.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const whole = `${JSON.stringify({ uuid: 'a', status: 7 })}\n${JSON.stringify({ uuid: 'ü-b', status: 7 })}\n`;

  it('cuts a torn last line on open and says how many bytes it cut', async () => {
    const torn = '{"uuid":"c","name":null,"sta';
    writeFileSync(path, whole + torn);
    const file = new ResultFile(path);
    expect(await file.open()).to.equal(Buffer.byteLength(torn));
    expect(readFileSync(path, 'utf8')).to.equal(whole);
    await file.close();
  });

  it('finds the last complete line behind a torn line longer than one read', async () => {
    const torn = `{"uuid":"c","dial_variables":"${'y'.repeat(200_000)}`;
    writeFileSync(path, whole + torn);
    const file = new ResultFile(path);
    expect(await file.open()).to.equal(torn.length);
    expect(readFileSync(path, 'utf8')).to.equal(whole);
    await file.close();
  });

  it('empties a file that holds only a torn line, and leaves a whole file as it is', async () => {
    writeFileSync(path, '{"uuid":"c"');
    const first = new ResultFile(path);
    expect(await first.open()).to.equal(11);
    expect(readFileSync(path, 'utf8')).to.equal('');
    await first.close();
    writeFileSync(path, whole);
    const second = new ResultFile(path);
    expect(await second.open()).to.equal(0);
    expect(readFileSync(path, 'utf8')).to.equal(whole);
    await second.close();
  });

  it('never takes a torn record as written, and appends the next record on its own line, even without open()', async () => {
    writeFileSync(path, `${whole}{"uuid":"c","name":null,`);
    const file = new ResultFile(path);
    expect(await file.contains('c')).to.equal(false);
    expect(await file.contains('a')).to.equal(true);
    await file.append({ uuid: 'c', status: 7 });
    await file.close();
    expect(readFileSync(path, 'utf8')).to.equal(`${whole}${JSON.stringify({ uuid: 'c', status: 7 })}\n`);
  });
});
