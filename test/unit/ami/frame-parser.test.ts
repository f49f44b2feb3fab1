import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { AmiFrameParser, splitRepeated, type AmiFrame } from '../../../src/ami/frame-parser.js';

const fixture = readFileSync(new URL('../../fixtures/ami-capture-asterisk22.txt', import.meta.url));
const fixtureText = fixture.toString('utf8');

/** An independent reading of the capture: frames split on the blank line, headers on the first colon. */
function reference(text: string): Array<Record<string, string>> {
  return text
    .split('\r\n\r\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      const fields: Record<string, string> = {};
      for (const line of frame.split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon);
        const value = line.slice(colon + 1).replace(/^[ \t]+/, '');
        fields[name] = fields[name] === undefined ? value : `${fields[name]}\n${value}`;
      }
      return fields;
    });
}

function parseAll(chunks: Iterable<Buffer | string>): AmiFrame[] {
  const parser = new AmiFrameParser();
  const frames: AmiFrame[] = [];
  for (const chunk of chunks) frames.push(...parser.push(chunk));
  frames.push(...parser.end());
  return frames;
}

function fieldsOf(frames: readonly AmiFrame[]): Array<Record<string, string>> {
  return frames.map((frame) => {
    if (frame.kind !== 'event' && frame.kind !== 'response') throw new Error(`unexpected ${frame.kind} frame: ${JSON.stringify(frame)}`);
    return { ...frame.fields };
  });
}

describe('AmiFrameParser', () => {
  const expected = reference(fixtureText);

  it('reads every frame of the recorded Asterisk 22 capture, headers spelled and valued as sent', () => {
    const frames = parseAll([fixture]);
    expect(expected).to.have.length(2188);
    expect(frames.every((frame) => frame.kind === 'event')).to.equal(true);
    expect(fieldsOf(frames)).to.deep.equal(expected);
  });

  it('reads LF-only line ends the same as CRLF', () => {
    const frames = parseAll([fixtureText.replaceAll('\r\n', '\n')]);
    expect(fieldsOf(frames)).to.deep.equal(expected);
  });

  it('gives the same frames when the capture arrives one byte at a time', () => {
    const bytes = Array.from({ length: fixture.length }, (_, i) => fixture.subarray(i, i + 1));
    expect(fieldsOf(parseAll(bytes))).to.deep.equal(expected);
  });

  it('gives the same frames whatever byte boundary a chunk is split at (greeting, Output lines, LF and CRLF)', () => {
    // A session's start, a Command answer, an LF-only frame, then the capture's first frames (through the
    // first OriginateResponse), which cover every line shape of the capture.
    const sample = Buffer.concat([
      Buffer.from('Asterisk Call Manager/9.0.0\r\nResponse: Success\r\nActionID: 1\r\nMessage: Authentication accepted\r\n\r\n'),
      Buffer.from('Response: Success\r\nActionID: 2\r\nMessage: Command output follows\r\nOutput: Module  Description\r\nOutput: 1 modules loaded\r\n\r\n'),
      Buffer.from('Event: FullyBooted\nPrivilege: system,all\nStatus: Fully Booted\n\n'),
      fixture.subarray(0, fixtureText.indexOf('Event: DeviceStateChange') + 200),
    ]);
    const whole = parseAll([sample]);
    expect(whole.slice(0, 4).map((frame) => frame.kind)).to.deep.equal(['greeting', 'response', 'response', 'event']);
    for (let cut = 0; cut <= sample.length; cut++) {
      const split = parseAll([sample.subarray(0, cut), sample.subarray(cut)]);
      expect(split, `split at byte ${cut}`).to.deep.equal(whole);
    }
  });

  it('decodes UTF-8 values even when a multi-byte character is split between chunks', () => {
    const frame = Buffer.from('Event: Newchannel\r\nCallerIDName: Zoë 日本\r\nLinkedid: 1.1\r\n\r\n', 'utf8');
    const at = frame.indexOf(Buffer.from('日')) + 1;
    const frames = parseAll([frame.subarray(0, at), frame.subarray(at)]);
    expect(fieldsOf(frames)).to.deep.equal([{ Event: 'Newchannel', CallerIDName: 'Zoë 日本', Linkedid: '1.1' }]);
  });

  it('keeps every value of a repeated header, e.g. each Output line of a Command answer', () => {
    const text = 'Response: Success\r\nActionID: 7\r\nMessage: Command output follows\r\nOutput: Module    Description\r\nOutput: \r\nOutput: 2 modules loaded\r\n\r\n';
    const [frame] = parseAll([text]);
    expect(frame?.kind).to.equal('response');
    const fields = frame?.kind === 'response' ? frame.fields : {};
    expect(splitRepeated(fields.Output)).to.deep.equal(['Module    Description', '', '2 modules loaded']);
    expect(fields.Message).to.equal('Command output follows');
  });

  it('reports the greeting line, even when it is split, and parses what follows it', () => {
    const text = 'Asterisk Call Manager/9.0.0\r\nResponse: Success\r\nActionID: 1\r\nMessage: Authentication accepted\r\n\r\n';
    for (const cut of [5, 27, 28, 29, 40]) {
      const frames = parseAll([text.slice(0, cut), text.slice(cut)]);
      expect(frames[0], `cut ${cut}`).to.deep.equal({ kind: 'greeting', version: '9.0.0', raw: 'Asterisk Call Manager/9.0.0' });
      expect(frames[1]?.kind).to.equal('response');
    }
  });

  it('skips the stray empty line res_pjsip leaves after "No endpoints found\\n"', () => {
    const frames = parseAll(['Response: Error\r\nActionID: 7\r\nMessage: No endpoints found\n\r\n\r\nEvent: FullyBooted\r\nStatus: Fully Booted\r\n\r\n']);
    expect(fieldsOf(frames)).to.deep.equal([
      { Response: 'Error', ActionID: '7', Message: 'No endpoints found' },
      { Event: 'FullyBooted', Status: 'Fully Booted' },
    ]);
  });

  it('classifies a frame with both Event and Response (OriginateResponse) as an event', () => {
    const [frame] = parseAll(['Event: OriginateResponse\r\nActionID: cap1\r\nResponse: Success\r\n\r\n']);
    expect(frame?.kind).to.equal('event');
  });

  it('reports a frame with an unparsable line as malformed, verbatim, and goes on', () => {
    const garbage = 'Event: Hangup\r\nthis line has no colon\r\nLinkedid: 1.1';
    const frames = parseAll([`${garbage}\r\n\r\nEvent: FullyBooted\r\n\r\n`]);
    expect(frames[0]).to.deep.include({ kind: 'malformed', raw: garbage });
    expect(frames[1]).to.deep.equal({ kind: 'event', fields: { Event: 'FullyBooted' } });
  });

  it('reports a frame with neither Event nor Response as malformed', () => {
    const [frame] = parseAll(['Foo: bar\r\nBaz: qux\r\n\r\n']);
    expect(frame).to.deep.equal({ kind: 'malformed', raw: 'Foo: bar\r\nBaz: qux', reason: 'frame has neither Event nor Response' });
  });

  it('cuts off a frame that never ends, reports it, and resumes at the next blank line', () => {
    const parser = new AmiFrameParser({ maxFrameChars: 100 });
    const frames = [
      ...parser.push(`Event: Flood\r\n${'X-Pad: 0123456789\r\n'.repeat(10)}`),
      ...parser.push(`${'X-Pad: 0123456789\r\n'.repeat(10)}\r\nEvent: FullyBooted\r\n\r\n`),
    ];
    expect(frames.map((frame) => frame.kind)).to.deep.equal(['malformed', 'event']);
    expect(frames[1]).to.deep.equal({ kind: 'event', fields: { Event: 'FullyBooted' } });
  });

  it('does not take the end of a cut-off line for the blank line that ends the frame', () => {
    const parser = new AmiFrameParser({ maxFrameChars: 50 });
    const frames = [
      ...parser.push(`Event: Flood\r\nValue: ${'x'.repeat(80)}`),
      ...parser.push('\r\nMore: still the same frame\r\n\r\nEvent: FullyBooted\r\n\r\n'),
    ];
    expect(frames.map((frame) => frame.kind)).to.deep.equal(['malformed', 'event']);
  });

  it('reports an unfinished frame at the end of the stream as malformed', () => {
    const frames = parseAll(['Event: Hangup\r\nLinkedid: 1.1\r\n']);
    expect(frames).to.deep.equal([{ kind: 'malformed', raw: 'Event: Hangup\r\nLinkedid: 1.1\r\n', reason: 'connection closed before the end of the frame' }]);
  });

  it('stores a header named __proto__ as a plain header', () => {
    const [frame] = parseAll(['Event: Odd\r\n__proto__: x\r\n\r\n']);
    const fields = frame?.kind === 'event' ? frame.fields : {};
    expect(Object.keys(fields)).to.deep.equal(['Event', '__proto__']);
    expect(fields.__proto__).to.equal('x');
  });
});
