import { expect } from 'chai';
import { chunkAtPositions } from '../../../src/realtime/batch.js';
import { ResumeWindow } from '../../../src/realtime/window.js';

const at = (...positions: number[]) => positions.map((position) => ({ position }));
const positionsOf = (since: ReturnType<ResumeWindow<{ position: number }>['since']>) => (since.ok ? since.events.map((e) => e.position) : since.reason);

describe('realtime resume window', () => {
  it('returns the events after a position, in order, including several at one position', () => {
    const window = new ResumeWindow(10, 0);
    for (const event of at(1, 2, 2, 3, 5)) window.push(event);
    expect(positionsOf(window.since(0))).to.deep.equal([1, 2, 2, 3, 5]);
    expect(positionsOf(window.since(2))).to.deep.equal([3, 5]);
    expect(positionsOf(window.since(4))).to.deep.equal([5]);
    expect(positionsOf(window.since(5))).to.deep.equal([]);
  });

  it('forgets the oldest beyond its capacity, and from then on answers expired before them', () => {
    const window = new ResumeWindow(3, 0);
    for (const event of at(1, 2, 3, 4, 5)) window.push(event);
    expect(window.length).to.equal(3);
    expect(window.oldestResumable).to.equal(2);
    expect(positionsOf(window.since(1))).to.equal('expired');
    expect(positionsOf(window.since(2))).to.deep.equal([3, 4, 5]);
  });

  it('knows nothing before its start position, and nothing after the head', () => {
    const window = new ResumeWindow(3, 100);
    expect(positionsOf(window.since(99))).to.equal('expired');
    expect(positionsOf(window.since(100))).to.deep.equal([]);
    expect(positionsOf(window.since(101))).to.equal('ahead');
    window.advance(105);
    expect(positionsOf(window.since(105))).to.deep.equal([]);
  });

  it('with no capacity, can only resume from the head', () => {
    const window = new ResumeWindow(0, 0);
    window.push({ position: 7 });
    expect(positionsOf(window.since(6))).to.equal('expired');
    expect(positionsOf(window.since(7))).to.deep.equal([]);
  });

  it('filters while searching (a topic)', () => {
    const window = new ResumeWindow(10, 0);
    for (const event of at(1, 2, 3, 4)) window.push(event);
    expect(positionsOf(window.since(1, (e) => e.position % 2 === 0))).to.deep.equal([2, 4]);
  });
});

describe('chunkAtPositions', () => {
  it('cuts runs of about max events, never inside a position', () => {
    const chunks = chunkAtPositions(at(1, 1, 1, 2, 3, 3, 4), 2);
    expect(chunks.map((chunk) => chunk.map((e) => e.position))).to.deep.equal([[1, 1, 1], [2, 3, 3], [4]]);
    expect(chunkAtPositions([], 2)).to.deep.equal([]);
  });
});
