import { readFileSync } from 'node:fs';
import type { AmiFields } from '../../src/events/index.js';

/**
 * Deterministic hostile AMI input for "no single event stops a projection" tests: header values no Asterisk
 * sends (absurd epochs, huge integers, NaN, binary, megabyte strings), real event names from the recorded
 * traffic with mangled or missing headers, and frames that are not AMI at all. Seeded, so a failure replays.
 */

/** mulberry32: small, fast, good enough to pick test cases; the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Header values chosen to break parsers: each one has crashed, or could crash, a naive helper. */
export const hostileValues: readonly string[] = [
  '',
  ' ',
  '9999999999999',
  '9999999999999.999999',
  '253402300800',
  '-1',
  '-9999999999999999999999',
  '99999999999999999999999999999999999999',
  '9'.repeat(400),
  '1e999',
  '-1e999',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x1F',
  '12abc',
  '1.2.3',
  ' 42 ',
  '99999999999999:99:99',
  '-5:-5:-5',
  '00:00',
  '::',
  '2026-13-45T99:99:99Z',
  '%',
  '%E0%A4%A',
  '%00%FF',
  '\u0000',
  '\u0000\u0001\u0002\u007f\u0080\u00ff',
  '\uFFFD\uFFFD',
  '<null>',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '{',
  '["',
  'null',
  'Yes',
  'No',
  'x'.repeat(70_000),
];

/** The event names and frames of the recorded traffic (test/fixtures), parsed with repeated headers joined by `\n`. */
export function fixtureFrames(): AmiFields[] {
  const frames: AmiFields[] = [];
  for (const file of ['ami-capture-asterisk22.txt', 'ami-capture-sandbox.txt']) {
    const text = readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8');
    for (const block of text.replace(/\r\n/g, '\n').split(/\n\n+/)) {
      const frame: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const key = line.slice(0, colon);
        const value = line.slice(colon + 1).replace(/^ /, '');
        frame[key] = frame[key] === undefined ? value : `${frame[key]}\n${value}`;
      }
      if (frame.Event !== undefined) frames.push(frame);
    }
  }
  return frames;
}

/** Headers every channel event and most others carry; mangling them reaches the most code. */
const interestingHeaders = [
  'Uniqueid', 'Linkedid', 'Channel', 'ChannelState', 'Timestamp', 'Duration', 'Wait', 'Uptime', 'LastReload', 'Queue',
  'Position', 'Count', 'Penalty', 'CallsTaken', 'LastCall', 'LastPause', 'Paused', 'Status', 'ParkingSpace', 'ParkingTimeout',
  'ParkingDuration', 'Parkinglot', 'Agent', 'Interface', 'Location', 'DestUniqueid', 'DestChannelState', 'ParkeeUniqueid',
  'ParkeeChannelState', 'Env', 'Result', 'CommandID', 'Cause', 'ObjectName', 'ObjectType', 'Endpoint', 'Contacts', 'Aor', 'Uri',
  'RoundtripUsec', 'State', 'Device', 'Value', 'Variable', 'UserEvent', 'Holdtime', 'Talktime', 'Max', 'Strategy',
  'ActionID', 'Response', 'Message', 'EventList', 'ListItems', 'CoreStartupDate', 'CoreStartupTime', 'Reason',
];

export interface HostileFrameSet {
  /** Parsed frames (as the ingest gets them from the frame parser). */
  readonly frames: readonly AmiFields[];
}

/**
 * `count` mangled AMI events: a real frame of the recorded traffic (so every event name the projections know
 * appears), with headers replaced by hostile values, removed, or added, and sometimes an absurd `Timestamp`.
 */
export function hostileFrames(seed: number, count: number): AmiFields[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const base = fixtureFrames();
  const out: AmiFields[] = [];
  for (let i = 0; i < count; i++) {
    const frame: Record<string, string> = Object.create(null) as Record<string, string>;
    Object.assign(frame, pick(base));
    for (const name of Object.keys(frame)) {
      if (name === 'Event') continue;
      const roll = random();
      if (roll < 0.25) frame[name] = pick(hostileValues);
      else if (roll < 0.35) delete frame[name];
    }
    const extra = Math.floor(random() * 4);
    for (let j = 0; j < extra; j++) frame[pick(interestingHeaders)] = pick(hostileValues);
    if (random() < 0.3) frame.Timestamp = pick(hostileValues);
    // Keep a usable Event name most of the time (so the projections see it); sometimes a hostile one.
    if (random() < 0.05) frame.Event = pick(hostileValues.filter((value) => value.trim() !== ''));
    out.push(frame);
  }
  return out;
}

/** One frame on the wire. Values cannot hold CR or LF (they end a header), so those become spaces. */
export function frameWire(frame: AmiFields): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(frame)) {
    for (const line of value.split('\n')) lines.push(`${name}: ${line.replace(/[\r\n]/g, ' ')}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Bytes for a fake AMI to write: the hostile frames, plus frames that are not AMI at all: invalid UTF-8,
 * NUL bytes, a line without a colon, header names made of binary. Every one ends with a blank line so the
 * next frame is read cleanly.
 */
export function hostileWire(seed: number, count: number): Buffer {
  const random = seededRandom(seed ^ 0x5eed);
  const chunks: Buffer[] = [];
  for (const frame of hostileFrames(seed, count)) {
    const roll = random();
    if (roll < 0.08) {
      const bytes = Buffer.alloc(1 + Math.floor(random() * 300));
      for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(random() * 256);
      // Keep the junk free of line ends: the junk is one line, followed by the frame's blank line.
      for (let k = 0; k < bytes.length; k++) if (bytes[k] === 10 || bytes[k] === 13) bytes[k] = 0xff;
      chunks.push(Buffer.concat([Buffer.from('Event: '), bytes, Buffer.from('\r\nUniqueid: '), bytes, Buffer.from('\r\n\r\n')]));
    } else if (roll < 0.12) {
      chunks.push(Buffer.from(`this line has no colon ${Math.floor(random() * 1e9)}\r\nEvent: Newchannel\r\n\r\n`));
    } else if (roll < 0.15) {
      chunks.push(Buffer.concat([Buffer.from([0xc3, 0x28, 0x00, 0xfe]), Buffer.from(': value\r\nEvent: Hangup\r\nUniqueid: \u0000\r\n\r\n')]));
    } else {
      chunks.push(Buffer.from(frameWire(frame), 'utf8'));
    }
  }
  return Buffer.concat(chunks);
}
