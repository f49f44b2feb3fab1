import { expect } from 'chai';
import { byteRange } from '../../../src/http/byte-range.js';

describe('HTTP byte ranges', () => {
  it('answers the whole file without a Range, for another unit, a list of ranges or an inverted range', () => {
    for (const header of [undefined, '', 'items=0-1', 'bytes=0-1,5-6', 'bytes=9-3', 'garbage']) expect(byteRange(header, 100), String(header)).to.deep.equal({ kind: 'whole' });
  });
  it('reads a-b (clamped to the end), a- and -n', () => {
    expect(byteRange('bytes=0-9', 100)).to.deep.equal({ kind: 'partial', start: 0, end: 9 });
    expect(byteRange('bytes=90-200', 100)).to.deep.equal({ kind: 'partial', start: 90, end: 99 });
    expect(byteRange('bytes=50-', 100)).to.deep.equal({ kind: 'partial', start: 50, end: 99 });
    expect(byteRange('bytes=-10', 100)).to.deep.equal({ kind: 'partial', start: 90, end: 99 });
    expect(byteRange('bytes=-1000', 100)).to.deep.equal({ kind: 'partial', start: 0, end: 99 });
  });
  it('is unsatisfiable past the end, for a zero suffix and for an empty file', () => {
    expect(byteRange('bytes=100-', 100)).to.deep.equal({ kind: 'unsatisfiable' });
    expect(byteRange('bytes=-0', 100)).to.deep.equal({ kind: 'unsatisfiable' });
    expect(byteRange('bytes=0-', 0)).to.deep.equal({ kind: 'unsatisfiable' });
  });
});
