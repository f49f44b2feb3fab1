import { expect } from 'chai';
import type { RecordedEvent } from '../../../src/events/index.js';
import { durationSeconds, eventTime, secondsBetween, shiftTimestamp } from '../../../projections/lib/event-time.js';

const event = (metadata: Record<string, unknown>): RecordedEvent => ({
  type: 'Newchannel',
  data: {},
  metadata,
  position: 1,
  stream: 'call-1',
  revision: 0,
  recordedAt: '2026-01-01T00:00:09.5Z',
});

describe('event time', () => {
  it("prefers Asterisk's Timestamp, converted exactly (no float rounding)", () => {
    expect(eventTime(event({ timestamp: '1513946896.824442', receivedAt: '2026-01-01T00:00:00Z' }))).to.equal('2017-12-22T12:48:16.824442000Z');
  });

  it('falls back to receivedAt, then recordedAt, always with 9 fraction digits', () => {
    expect(eventTime(event({ receivedAt: '2026-01-01T00:00:01.25Z' }))).to.equal('2026-01-01T00:00:01.250000000Z');
    expect(eventTime(event({ timestamp: 'garbage' }))).to.equal('2026-01-01T00:00:09.500000000Z');
  });

  it('shifts and measures whole seconds', () => {
    expect(shiftTimestamp('2026-01-01T00:00:00.5Z', -65)).to.equal('2025-12-31T23:58:55.500000000Z');
    expect(secondsBetween('2026-01-01T00:00:00Z', '2026-01-01T00:01:00.9Z')).to.equal(60);
    expect(secondsBetween('2026-01-01T00:01:00Z', '2026-01-01T00:00:00Z')).to.equal(0);
  });

  it('computes duration in truncated milliseconds, like SQLite does', () => {
    // 0.9995 s apart in nanoseconds, but 1.000 s apart once both are truncated to milliseconds.
    expect(durationSeconds('2026-01-01T00:00:00.0005Z', '2026-01-01T00:00:01.000Z')).to.equal(1);
    expect(durationSeconds(null, '2026-01-01T00:00:01Z')).to.equal(null);
    expect(durationSeconds('2026-01-01T00:00:05Z', '2026-01-01T00:00:01Z')).to.equal(0);
  });
});
