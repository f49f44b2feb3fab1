/**
 * Topics: path-like strings (`/core/channels/pjagent%2D01`) that events are published on and clients
 * subscribe to by prefix (40-events-websocket §1.1, §3.2).
 *
 * The manual's examples disagree on how a target is URI-encoded (`sales%5F1` vs `pjagent-01`), so the
 * catalog proposes one canonical encoder (alphanumerics kept, every other UTF-8 byte `%XX`, upper-case
 * hex) for published topics, and canonicalises what clients subscribe to, so both spellings subscribe
 * to the same events.
 */

/** Longest topic a client may subscribe to: real ones are short; this bounds what a client can make us hold. */
export const maxTopicLength = 1024;

export class TopicError extends Error {
  override readonly name = 'TopicError';
}

const isAlnumByte = (byte: number): boolean =>
  (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);

const hex = '0123456789ABCDEF';

function encodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += isAlnumByte(byte) ? String.fromCharCode(byte) : `%${hex[byte >> 4]!}${hex[byte & 15]!}`;
  return out;
}

const plainTarget = /^[A-Za-z0-9]*$/;

/** The canonical target encoder: `sales_1` -> `sales%5F1`, `pjagent-01` -> `pjagent%2D01`, null -> ``. */
export function encodeTarget(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  // Most targets (extensions, queue names without punctuation) need no work.
  if (plainTarget.test(value)) return value;
  return encodeBytes(Buffer.from(value, 'utf8'));
}

const hexValue = (code: number): number => {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  return -1;
};

/**
 * Percent-decodes to bytes, tolerantly: an invalid escape (a trailing `%5`, `%zz`) is kept as the
 * literal characters, which the encoder then escapes like any other `%`.
 */
function decodeToBytes(segment: string): Uint8Array {
  const text = Buffer.from(segment, 'utf8');
  const out = new Uint8Array(text.length);
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const byte = text[i]!;
    if (byte === 0x25 && i + 2 < text.length) {
      const high = hexValue(text[i + 1]!);
      const low = hexValue(text[i + 2]!);
      if (high >= 0 && low >= 0) {
        out[length++] = high * 16 + low;
        i += 2;
        continue;
      }
    }
    out[length++] = byte;
  }
  return out.subarray(0, length);
}

/** One target segment, however the client spelled it, in the canonical encoding. */
export function canonicalSegment(segment: string): string {
  return encodeBytes(decodeToBytes(segment));
}

// C0 controls and DEL: never part of a real topic, and they would make log lines and group keys ambiguous.
const controlCharacters = /[\u0000-\u001f\u007f]/;

/**
 * What a subscription topic means, canonically: the first two non-empty segments (`core`/`channels`)
 * are names and kept as they are; every later segment is a target and is decoded then re-encoded.
 * A missing leading `/` is added. Throws TopicError for what cannot be a topic.
 */
export function canonicalTopic(topic: unknown): string {
  if (typeof topic !== 'string') throw new TopicError('topic must be a string');
  if (topic.length === 0) throw new TopicError('topic must not be empty');
  if (topic.length > maxTopicLength) throw new TopicError(`topic is longer than ${maxTopicLength} characters`);
  if (controlCharacters.test(topic)) throw new TopicError('topic must not contain control characters');
  const path = topic.startsWith('/') ? topic.slice(1) : topic;
  let names = 0;
  const segments = path.split('/').map((segment) => {
    if (names < 2) {
      if (segment !== '') names++;
      return segment;
    }
    return canonicalSegment(segment);
  });
  return `/${segments.join('/')}`;
}

/** The topic an event is published on: a collection (`/core/channels/`) plus the encoded target. */
export function publishTopic(collection: string, target: string | null | undefined): string {
  return collection + encodeTarget(target);
}

/** Prefix matching (ZeroMQ SUBSCRIBE semantics in the reference implementation): `/` matches everything. */
export function topicMatches(subscription: string, topic: string): boolean {
  return topic.startsWith(subscription);
}

/**
 * Private topics: `/me/<area>/<owner uuid>[/...]`, a person's own events (issue 13). Only their owner may
 * subscribe (auth/topic-permissions.ts), and only a subscription inside `/me/` reaches them: `/` or `/me`
 * (which no one may hold under `/me`) never does, so an admin watching `/` does not see people's buddies.
 */
export const privateTopicPrefix = '/me/';

export const isPrivateTopic = (topic: string): boolean => topic.startsWith(privateTopicPrefix);

/** Does a subscription bring an event on `topic`: prefix matching, and a private topic only for a private subscription. */
export function subscriptionReaches(subscription: string, topic: string): boolean {
  return topic.startsWith(subscription) && (!isPrivateTopic(topic) || isPrivateTopic(subscription));
}
