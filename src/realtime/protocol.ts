/**
 * What clients send (ARCHITECTURE.md, "Contracts the manual leaves open"): socket.io `subscribe` with
 * `"<topic>"` or `{topic, position?}`, `unsubscribe` with `"<topic>"`, and the manual's
 * `{"type":"subscribe"|"unsubscribe","topic"}` object (socket.io `message` event, plain WebSocket frame).
 * Topic validity is checked by `canonicalTopic`; this file only checks shapes.
 */

export class RequestError extends Error {
  override readonly name = 'RequestError';
}

export interface SubscribeRequest {
  readonly type: 'subscribe';
  readonly topic: unknown;
  /** The last position the client saw: resume after it. */
  readonly position?: number;
}

export interface UnsubscribeRequest {
  readonly type: 'unsubscribe';
  readonly topic: unknown;
}

export type ClientRequest = SubscribeRequest | UnsubscribeRequest;

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parsePosition(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  // A position that went through a URL or a form arrives as digits; accept those too.
  const position = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) {
    throw new RequestError('position must be a non-negative integer (the last log position seen)');
  }
  return position;
}

/** The argument of socket.io `subscribe`: `"<topic>"` or `{topic, position?}`. */
export function parseSubscribe(arg: unknown): SubscribeRequest {
  if (typeof arg === 'string') return { type: 'subscribe', topic: arg };
  if (!isRecord(arg)) throw new RequestError('subscribe takes "<topic>" or {topic, position?}');
  const position = parsePosition(arg.position);
  return position === undefined ? { type: 'subscribe', topic: arg.topic } : { type: 'subscribe', topic: arg.topic, position };
}

/** The argument of socket.io `unsubscribe`: `"<topic>"` (an object with `topic` is tolerated). */
export function parseUnsubscribe(arg: unknown): UnsubscribeRequest {
  if (typeof arg === 'string') return { type: 'unsubscribe', topic: arg };
  if (isRecord(arg)) return { type: 'unsubscribe', topic: arg.topic };
  throw new RequestError('unsubscribe takes "<topic>"');
}

/** The manual's message, `{"type":"subscribe"|"unsubscribe","topic":"/"}`, as an object or its JSON text. */
export function parseManualMessage(arg: unknown): ClientRequest {
  let message = arg;
  if (typeof arg === 'string' || Buffer.isBuffer(arg)) {
    try {
      message = JSON.parse(arg.toString()) as unknown;
    } catch {
      throw new RequestError('message is not JSON');
    }
  }
  if (!isRecord(message)) throw new RequestError('message must be {"type":"subscribe"|"unsubscribe","topic":"..."}');
  if (message.type === 'subscribe') return parseSubscribe(message);
  if (message.type === 'unsubscribe') return parseUnsubscribe(message);
  throw new RequestError(`unknown message type ${JSON.stringify(message.type) ?? 'undefined'} (expected subscribe or unsubscribe)`);
}
