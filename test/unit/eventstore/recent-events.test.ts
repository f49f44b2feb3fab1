import { expect } from 'chai';
import { RecentEvents, type WrittenRow } from '../../../src/eventstore/sqlite/recent-events.js';

const row = (position: number, data: object = { n: position }): WrittenRow => ({
  position,
  stream: `call-${position}`,
  revision: 0,
  type: 'Newexten',
  data: JSON.stringify(data),
  metadata: JSON.stringify({ node: 'a' }),
  recorded_at: '2026-12-02T00:00:00.000000000Z',
});

describe('recent events kept for live subscribers (SQLite store)', function () {
  it('answers a page inside the window with the events as written, decoded', function () {
    const recent = new RecentEvents(10);
    recent.committed([row(1), row(2), row(3)]);
    const page = recent.page(2, 5)!;
    expect(page.map((e) => e.position)).to.deep.equal([2, 3]);
    expect(page[0]).to.deep.equal({ position: 2, stream: 'call-2', revision: 0, type: 'Newexten', data: { n: 2 }, metadata: { node: 'a' }, recordedAt: '2026-12-02T00:00:00.000000000Z' });
    expect(recent.page(4, 5)).to.deep.equal([]);
  });

  it('hands out frozen events, so one subscriber cannot change what another sees', function () {
    const recent = new RecentEvents(10);
    recent.committed([row(1, { nested: { a: 1 } })]);
    const [event] = recent.page(1, 1)!;
    expect(() => ((event!.data as { nested: { a: number } }).nested.a = 2)).to.throw(TypeError);
    expect(recent.page(1, 1)![0]!.data).to.deep.equal({ nested: { a: 1 } });
  });

  it('does not answer from before its window, past its head, or after a failed write emptied it', function () {
    const recent = new RecentEvents(2);
    expect(recent.page(1, 10)).to.equal(undefined);
    recent.committed([1, 2, 3, 4, 5].map((p) => row(p)));
    recent.committed([row(6)]);
    expect(recent.page(1, 10)).to.equal(undefined);
    expect(recent.page(5, 10)!.map((e) => e.position)).to.deep.equal([5, 6]);
    expect(recent.page(8, 10)).to.equal(undefined);
    recent.clear();
    expect(recent.page(6, 10)).to.equal(undefined);
  });

  it('starts over rather than keep a gap when commits are not contiguous', function () {
    const recent = new RecentEvents(10);
    recent.committed([row(1), row(2)]);
    recent.committed([row(5)]);
    expect(recent.page(2, 10)).to.equal(undefined);
    expect(recent.page(5, 10)!.map((e) => e.position)).to.deep.equal([5]);
  });
});
