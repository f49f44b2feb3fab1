import { expect } from 'chai';
import { encodeAction } from '../../../src/ami/action-encoder.js';
import { AmiUnsafeValueError } from '../../../src/ami/port.js';

const fixedId = (): string => 'generated-1';

describe('encodeAction', () => {
  it('writes Action and ActionID first, then the other headers, and ends the frame with a blank line', () => {
    const encoded = encodeAction({ Action: 'Originate', Channel: 'Local/100@demo', Priority: 1, Async: 'true' }, fixedId);
    expect(encoded).to.deep.equal({
      name: 'Originate',
      actionId: 'generated-1',
      text: 'Action: Originate\r\nActionID: generated-1\r\nChannel: Local/100@demo\r\nPriority: 1\r\nAsync: true\r\n\r\n',
    });
  });

  it("keeps the caller's ActionID (command handlers pass the command uuid), whatever its spelling", () => {
    expect(encodeAction({ Action: 'Ping', ActionID: 'cmd-uuid' }, fixedId).actionId).to.equal('cmd-uuid');
    expect(encodeAction({ action: 'Ping', actionid: 'cmd-uuid' }, fixedId).text).to.equal('Action: Ping\r\nActionID: cmd-uuid\r\n\r\n');
  });

  it('generates an ActionID when the given one is empty', () => {
    expect(encodeAction({ Action: 'Ping', ActionID: '' }, fixedId).actionId).to.equal('generated-1');
  });

  it('leaves out headers whose value is undefined', () => {
    expect(encodeAction({ Action: 'Hangup', Channel: 'PJSIP/a-1', Cause: undefined }, fixedId).text).to.not.include('Cause');
  });

  for (const [label, value] of [
    ['CR', 'a\rAction: Hangup'],
    ['LF', 'a\nAction: Hangup'],
    ['CRLF', 'x\r\n\r\nAction: Hangup\r\nChannel: all'],
    ['NUL', 'a\0b'],
  ] as const) {
    it(`rejects a value containing ${label} with AmiUnsafeValueError naming the field`, () => {
      expect(() => encodeAction({ Action: 'Originate', Exten: value }, fixedId))
        .to.throw(AmiUnsafeValueError)
        .with.property('field', 'Exten');
    });
  }

  it('rejects an unsafe ActionID and an unsafe Action name too', () => {
    expect(() => encodeAction({ Action: 'Ping', ActionID: 'x\r\nAction: Hangup' }, fixedId)).to.throw(AmiUnsafeValueError).with.property('field', 'ActionID');
    expect(() => encodeAction({ Action: 'Ping\r\n' }, fixedId)).to.throw(AmiUnsafeValueError).with.property('field', 'Action');
  });

  it('rejects a header name that could break the frame', () => {
    expect(() => encodeAction({ Action: 'Ping', 'Bad\r\nName': 'x' }, fixedId)).to.throw(AmiUnsafeValueError);
    expect(() => encodeAction({ Action: 'Ping', 'Colon:Name': 'x' }, fixedId)).to.throw(AmiUnsafeValueError);
  });

  it('refuses an action without an Action header', () => {
    expect(() => encodeAction({ Channel: 'x' }, fixedId)).to.throw(TypeError);
  });
});
