import { expect } from 'chai';
import { parseManualMessage, parseSubscribe, parseUnsubscribe, RequestError } from '../../../src/realtime/protocol.js';

describe('realtime client requests', () => {
  it('takes subscribe as a topic or {topic, position}', () => {
    expect(parseSubscribe('/')).to.deep.equal({ type: 'subscribe', topic: '/' });
    expect(parseSubscribe({ topic: '/core/', position: 12 })).to.deep.equal({ type: 'subscribe', topic: '/core/', position: 12 });
    expect(parseSubscribe({ topic: '/core/', position: '12' })).to.deep.equal({ type: 'subscribe', topic: '/core/', position: 12 });
    expect(parseSubscribe({ topic: '/core/', position: null })).to.deep.equal({ type: 'subscribe', topic: '/core/' });
  });

  it('refuses a position that is not a non-negative integer', () => {
    for (const position of [-1, 1.5, 'x', Number.MAX_VALUE, true]) {
      expect(() => parseSubscribe({ topic: '/', position }), String(position)).to.throw(RequestError, /position/);
    }
  });

  it('takes unsubscribe as a topic', () => {
    expect(parseUnsubscribe('/core/')).to.deep.equal({ type: 'unsubscribe', topic: '/core/' });
    expect(() => parseUnsubscribe(3)).to.throw(RequestError);
  });

  it("takes the manual's {type, topic} message as an object, JSON text or a Buffer", () => {
    expect(parseManualMessage({ type: 'subscribe', topic: '/' })).to.deep.equal({ type: 'subscribe', topic: '/' });
    expect(parseManualMessage('{"type":"unsubscribe","topic":"/"}')).to.deep.equal({ type: 'unsubscribe', topic: '/' });
    expect(parseManualMessage(Buffer.from('{"type":"subscribe","topic":"/core/"}'))).to.deep.equal({ type: 'subscribe', topic: '/core/' });
  });

  it('refuses malformed messages with a reason', () => {
    expect(() => parseManualMessage('{')).to.throw(RequestError, 'message is not JSON');
    expect(() => parseManualMessage([1])).to.throw(RequestError, /must be/);
    expect(() => parseManualMessage({ type: 'dance', topic: '/' })).to.throw(RequestError, /unknown message type "dance"/);
  });
});
