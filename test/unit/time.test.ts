import { expect } from 'chai';
import { formatTimestamp, nowNanoseconds, nowTimestamp, parseTimestamp } from '../../src/events/time.js';

describe('API timestamps', function () {
  it('formats epoch nanoseconds in UTC with 9 fraction digits', function () {
    expect(formatTimestamp(1513946906824442473n)).to.equal('2017-12-22T12:48:26.824442473Z');
    expect(formatTimestamp(1513946906000000007n)).to.equal('2017-12-22T12:48:26.000000007Z');
  });

  it('formats a Date by padding its milliseconds', function () {
    expect(formatTimestamp(new Date('2017-12-22T12:48:26.824Z'))).to.equal('2017-12-22T12:48:26.824000000Z');
  });

  it('formats instants before 1970 with a positive fraction', function () {
    expect(formatTimestamp(-1n)).to.equal('1969-12-31T23:59:59.999999999Z');
  });

  it('gives the current time in the format, never going backwards', function () {
    const before = BigInt(Date.now()) * 1_000_000n;
    const a = nowNanoseconds();
    const b = nowNanoseconds();
    expect(b >= a).to.equal(true);
    expect(Number(a - before)).to.be.lessThan(1e9);
    expect(nowTimestamp()).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
  });

  it('parses the format back to nanoseconds, accepting 0 to 9 fraction digits', function () {
    expect(parseTimestamp('2017-12-22T12:48:26.824442473Z')).to.equal(1513946906824442473n);
    expect(parseTimestamp('2017-12-22T12:48:26.8Z')).to.equal(1513946906800000000n);
    expect(parseTimestamp('2017-12-22T12:48:26Z')).to.equal(1513946906000000000n);
  });

  it('rejects what is not the format or not a real date', function () {
    for (const text of ['2017-12-22 12:48:26Z', '2017-12-22T12:48:26.8244424731Z', '2017-12-22T12:48:26+01:00', '2021-02-30T00:00:00Z', '42']) {
      expect(parseTimestamp(text), text).to.equal(undefined);
    }
  });

  it('answers a text parsed again (from its memory of recent ones) exactly as the first time, past its capacity too', function () {
    const texts = Array.from({ length: 5000 }, (_, i) => `2017-12-22T12:48:26.${String(i).padStart(9, '0')}Z`);
    for (let round = 0; round < 2; round++) {
      for (const [i, text] of texts.entries()) expect(parseTimestamp(text), text).to.equal(1513946906000000000n + BigInt(i));
      for (const text of ['2021-02-30T00:00:00Z', '42']) expect(parseTimestamp(text), text).to.equal(undefined);
    }
    // Text too long to be a timestamp is refused without being remembered.
    expect(parseTimestamp(`2017-12-22T12:48:26Z${' '.repeat(100_000)}`)).to.equal(undefined);
  });
});
