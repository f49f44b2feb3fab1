import { expect } from 'chai';
import { amiEventTypes, type RecordedEvent } from '../../../src/events/index.js';
import { floatField, intField } from '../../../projections/lib/ami-fields.js';
import { durationSeconds, epochSeconds, epochSecondsToNs, eventTime, parseDuration, secondsBetween, shiftTimestamp } from '../../../projections/lib/event-time.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import type { AnyProjection } from '../../../projections/lib/projection.js';
import { defaultProjections } from '../../../projections/index.js';
import { parseTimestamp, tryFormatTimestamp } from '../../../src/events/time.js';
import { hostileFrames, hostileValues, seededRandom } from '../../support/hostile-ami.js';

const canonical = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;
const receivedAt = '2026-11-27T20:08:37.000000000Z';

/** Hostile values plus seeded random ones: digit runs of any length, signs, fractions, junk bytes. */
function manyHostileValues(count: number): string[] {
  const random = seededRandom(7);
  const out = [...hostileValues];
  for (let i = 0; i < count; i++) {
    const digits = Array.from({ length: 1 + Math.floor(random() * 30) }, () => Math.floor(random() * 10)).join('');
    const junk = String.fromCharCode(...Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.floor(random() * 0xffff)));
    out.push(digits, `-${digits}`, `${digits}.${digits}`, `${digits}:${digits}:${digits}`, junk, `${digits}${junk}`);
  }
  return out;
}

const eventWith = (type: string, data: Record<string, unknown>, metadata: Record<string, unknown>, position = 1): RecordedEvent => ({
  type,
  data,
  metadata,
  position,
  stream: 'pbx-test',
  revision: 0,
  recordedAt: receivedAt,
});

describe('header parsing is total: no header value makes a shared parser throw', () => {
  const values = manyHostileValues(400);

  it("the issue's poison Timestamp (9999999999999 s, year ~318,857) falls back to receivedAt", () => {
    const poison = eventWith('UserEvent', { Uniqueid: 'a' }, { timestamp: '9999999999999', receivedAt });
    expect(eventTime(poison)).to.equal(receivedAt);
    expect(epochSecondsToNs('9999999999999')).to.equal(undefined);
    // The last second the API format can write still converts.
    expect(epochSecondsToNs('253402300799.5')).to.equal(253402300799500000000n);
    expect(epochSecondsToNs('253402300800')).to.equal(undefined);
  });

  it('eventTime gives an API timestamp for any Timestamp, receivedAt or recordedAt value', () => {
    for (const value of values) {
      expect(eventTime(eventWith('Newchannel', {}, { timestamp: value, receivedAt })), value.slice(0, 40)).to.match(canonical);
      const noReceived = eventWith('Newchannel', {}, { timestamp: value, receivedAt: value });
      expect(() => eventTime(noReceived), value.slice(0, 40)).to.not.throw();
      expect(() => eventTime({ ...noReceived, recordedAt: value }), value.slice(0, 40)).to.not.throw();
    }
  });

  it('the number and time helpers answer undefined, null or 0 instead of throwing, and never a non-finite number', () => {
    for (const value of values) {
      const label = value.slice(0, 40);
      const data = { X: value };
      const int = intField(data, 'X');
      expect(int === undefined || Number.isSafeInteger(int), label).to.equal(true);
      const float = floatField(data, 'X');
      expect(float === undefined || Number.isFinite(float), label).to.equal(true);
      expect(Number.isSafeInteger(parseDuration(value)), label).to.equal(true);
      const asNumber = Number.parseFloat(value);
      for (const seconds of [asNumber, -asNumber, Number(value), int ?? 0, parseDuration(value), -parseDuration(value), Number.MAX_VALUE, -Infinity, NaN]) {
        const shifted = shiftTimestamp(receivedAt, seconds);
        expect(shifted === undefined || canonical.test(shifted), `${label} by ${seconds}`).to.equal(true);
      }
      expect(() => shiftTimestamp(value, 5), label).to.not.throw();
      expect(() => secondsBetween(value, receivedAt), label).to.not.throw();
      expect(() => durationSeconds(value, receivedAt), label).to.not.throw();
      expect(() => epochSeconds(value), label).to.not.throw();
      expect(() => parseTimestamp(value), label).to.not.throw();
      const ns = epochSecondsToNs(value);
      expect(ns === undefined || canonical.test(tryFormatTimestamp(ns) ?? ''), label).to.equal(true);
    }
  });

  it('tryFormatTimestamp answers undefined outside years 0000-9999 and for an invalid Date', () => {
    expect(tryFormatTimestamp(10n ** 30n)).to.equal(undefined);
    expect(tryFormatTimestamp(-(10n ** 30n))).to.equal(undefined);
    expect(tryFormatTimestamp(new Date(Number.NaN))).to.equal(undefined);
    expect(tryFormatTimestamp(0n)).to.equal('1970-01-01T00:00:00.000000000Z');
  });

  it('every default projection takes 3,000 mangled AMI events and hostile snapshots without throwing', () => {
    const frames = hostileFrames(42, 3000);
    const events = frames.map(({ Event: type, Timestamp: timestamp, ...data }, index) =>
      eventWith(type ?? '', data, timestamp === undefined ? { node: 'test', receivedAt } : { node: 'test', receivedAt, timestamp }, index + 1),
    );
    const random = seededRandom(99);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const actions = ['CoreShowChannels', 'QueueStatus', 'ParkedCalls', 'DeviceStateList', 'PJSIPShowEndpoints', 'PJSIPShowContacts', 'PJSIPShowAors',
      'PJSIPShowAuths', 'PJSIPShowRegistrationsOutbound', 'Agents', 'CoreStatus', 'CoreSettings', 'Command: module show', 'QueueSummary', 'Parkinglots'];
    for (let i = 0; i < 300; i++) {
      const item = Object.fromEntries(frames[i]!.Event === undefined ? [] : Object.entries(frames[i]!));
      events.push(
        eventWith(
          amiEventTypes.snapshot,
          {
            action: pick(actions),
            items: random() < 0.1 ? pick(hostileValues) : [item, { Event: pick(hostileValues) }, pick([null, 1, 'x', []])],
            response: random() < 0.1 ? null : item,
            output: random() < 0.1 ? 'not a list' : [pick(hostileValues), pick(hostileValues)],
            round: pick(hostileValues),
          },
          { node: 'test', receivedAt, timestamp: pick(hostileValues) },
          events.length + 1,
        ),
      );
    }
    for (const definition of defaultProjections as readonly AnyProjection[]) {
      const projection = new MemoryProjection(definition);
      for (const event of events) {
        expect(() => projection.apply([event]), `${definition.name} on ${event.type} at ${event.position}`).to.not.throw();
      }
    }
  });
});
