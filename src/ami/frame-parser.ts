import { StringDecoder } from 'node:string_decoder';
import type { AmiFields } from '../events/index.js';

/**
 * One unit read from an AMI socket.
 * - `greeting`: the `Asterisk Call Manager/x.y.z` line Asterisk sends first (no blank line follows it).
 * - `event`: a frame with an `Event` header (even if it also has `Response`, like `OriginateResponse`).
 * - `response`: a frame with `Response` and no `Event`.
 * - `malformed`: anything else, kept verbatim so it can be stored as `AmiRawFrame`.
 */
export type AmiFrame =
  | { readonly kind: 'greeting'; readonly version: string; readonly raw: string }
  | { readonly kind: 'event'; readonly fields: AmiFields }
  | { readonly kind: 'response'; readonly fields: AmiFields }
  | { readonly kind: 'malformed'; readonly raw: string; readonly reason: string };

export interface FrameParserOptions {
  /**
   * A frame longer than this (in characters) without its terminating blank line is cut off, reported as
   * malformed, and skipped up to the next blank line, so a peer that never ends a frame cannot grow memory
   * without bound. The largest legitimate frames are `Command` outputs of a few hundred lines.
   */
  readonly maxFrameChars?: number;
}

const greetingPrefix = 'Asterisk Call Manager';
const CR = 13;
const SPACE = 32;
const TAB = 9;
/** How much of an oversized frame is kept in its malformed report. */
const oversizedRawKept = 4096;

/**
 * Streaming AMI frame parser: feed it socket chunks as they arrive, get complete frames back in order.
 *
 * Written by hand (instead of using asterisk-ami-client's parser) because the ingest must sustain 10k+
 * events/s and must not lose data the library drops: repeated headers (every `Output:` line of a `Command`,
 * repeated `ChanVariable`/`Variable`), LF-only line ends, and bytes that follow the login response in the same
 * chunk. It is pure: no I/O, no clock, so it is tested byte by byte.
 *
 * Rules (Asterisk's wire format):
 * - lines end with CRLF; a bare LF is accepted too (Asterisk itself sends `Message: ...\n\r\n` in a few
 *   PJSIP errors), and a frame ends at the first empty line; extra empty lines between frames are skipped;
 * - a header is `Name: value`; the value starts after the colon and the blanks that follow it;
 * - a header that repeats keeps every value, joined with `\n` (no value can contain LF, so this is lossless;
 *   `splitRepeated()` gives them back as a list);
 * - header names keep Asterisk's spelling; stored in a null-prototype object so a hostile `__proto__` header
 *   is just a header.
 */
export class AmiFrameParser {
  private readonly decoder = new StringDecoder('utf8');
  private readonly maxFrameChars: number;
  /** Text not yet part of a completed frame; starts at the current frame's first character. */
  private buffer = '';
  /** Offset in `buffer` of the first line not yet scanned. */
  private scanFrom = 0;
  private fields: Record<string, string> = Object.create(null) as Record<string, string>;
  private headerCount = 0;
  private badLine: string | undefined;
  private expectGreeting = true;
  /** Inside an oversized frame: drop lines up to the next blank line. */
  private discarding = false;
  /** The buffer was cut inside a line while discarding: the next line end closes that line. */
  private midLine = false;

  constructor(options: FrameParserOptions = {}) {
    this.maxFrameChars = options.maxFrameChars ?? 4 * 1024 * 1024;
  }

  /** Parses a chunk; returns the frames it completed (possibly none). */
  push(chunk: Buffer | string): AmiFrame[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const out: AmiFrame[] = [];
    if (text.length === 0) return out;
    const buf = this.buffer.length === 0 ? text : this.buffer + text;
    let frameStart = 0;
    let lineStart = this.scanFrom;

    for (;;) {
      const newline = buf.indexOf('\n', lineStart);
      if (newline === -1) break;
      const lineEnd = newline > lineStart && buf.charCodeAt(newline - 1) === CR ? newline - 1 : newline;
      const next = newline + 1;

      if (this.midLine) {
        this.midLine = false;
        frameStart = next;
      } else if (lineEnd === lineStart) {
        // Blank line: the end of a frame (or filler between frames).
        if (this.discarding) this.discarding = false;
        else if (this.headerCount > 0 || this.badLine !== undefined) out.push(this.finishFrame(buf, frameStart, lineStart));
        this.resetFrame();
        frameStart = next;
      } else if (this.discarding) {
        frameStart = next;
      } else if (this.expectGreeting) {
        this.expectGreeting = false;
        if (buf.startsWith(greetingPrefix, lineStart)) {
          const raw = buf.slice(lineStart, lineEnd);
          const slash = raw.lastIndexOf('/');
          out.push({ kind: 'greeting', version: slash === -1 ? '' : raw.slice(slash + 1).trim(), raw });
          frameStart = next;
        } else {
          this.header(buf, lineStart, lineEnd);
        }
      } else {
        this.header(buf, lineStart, lineEnd);
      }
      lineStart = next;
    }

    // Keep only the unfinished frame; rebasing offsets keeps the next push from rescanning parsed lines.
    this.buffer = frameStart === 0 ? buf : buf.slice(frameStart);
    this.scanFrom = lineStart - frameStart;
    if (this.buffer.length > this.maxFrameChars) {
      if (!this.discarding) {
        out.push({
          kind: 'malformed',
          raw: this.buffer.slice(0, oversizedRawKept),
          reason: `frame longer than ${this.maxFrameChars} characters without an end; skipped to the next blank line`,
        });
      }
      this.discarding = true;
      this.resetFrame();
      // Everything scanned is dropped. An unfinished line is dropped too, but remembered, so that its
      // remainder (maybe just "\r\n") is not taken for the blank line that ends the frame.
      this.midLine = this.scanFrom < this.buffer.length;
      this.buffer = '';
      this.scanFrom = 0;
    }
    return out;
  }

  /** The connection closed: an unfinished frame is reported as malformed (its bytes are all we have). */
  end(): AmiFrame[] {
    const rest = this.buffer + this.decoder.end();
    this.buffer = '';
    this.scanFrom = 0;
    const discarding = this.discarding;
    this.discarding = false;
    this.midLine = false;
    this.resetFrame();
    if (discarding || rest.trim() === '') return [];
    return [{ kind: 'malformed', raw: rest, reason: 'connection closed before the end of the frame' }];
  }

  private header(buf: string, start: number, end: number): void {
    const colon = buf.indexOf(':', start);
    if (colon <= start || colon >= end) {
      this.badLine ??= buf.slice(start, end);
      return;
    }
    const name = buf.slice(start, colon);
    let valueStart = colon + 1;
    while (valueStart < end) {
      const c = buf.charCodeAt(valueStart);
      if (c !== SPACE && c !== TAB) break;
      valueStart++;
    }
    const value = buf.slice(valueStart, end);
    const previous = this.fields[name];
    this.fields[name] = previous === undefined ? value : `${previous}\n${value}`;
    this.headerCount++;
  }

  private finishFrame(buf: string, frameStart: number, blankLine: number): AmiFrame {
    const fields = this.fields;
    // The frame's text without the line break before the blank line.
    const frameEnd = buf.charCodeAt(blankLine - 2) === CR ? blankLine - 2 : blankLine - 1;
    if (this.badLine !== undefined) {
      return { kind: 'malformed', raw: buf.slice(frameStart, frameEnd), reason: `unparsable line: ${JSON.stringify(this.badLine.slice(0, 200))}` };
    }
    if (fields.Event !== undefined) return { kind: 'event', fields };
    if (fields.Response !== undefined) return { kind: 'response', fields };
    return { kind: 'malformed', raw: buf.slice(frameStart, frameEnd), reason: 'frame has neither Event nor Response' };
  }

  private resetFrame(): void {
    if (this.headerCount > 0) this.fields = Object.create(null) as Record<string, string>;
    this.headerCount = 0;
    this.badLine = undefined;
  }
}

/** The values of a header that appeared several times (the parser joins them with `\n`). */
export function splitRepeated(value: string | undefined): string[] {
  return value === undefined ? [] : value.split('\n');
}

/** Wire text rebuilt from parsed fields (repeated headers as separate lines), for storing a frame as raw. */
export function frameText(fields: AmiFields): string {
  return Object.entries(fields)
    .flatMap(([name, value]) => splitRepeated(value).map((line) => `${name}: ${line}`))
    .join('\r\n');
}
