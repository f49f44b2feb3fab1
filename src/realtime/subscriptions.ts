import { mayReadTopic, type PersonalTopicOwners } from '../auth/topic-permissions.js';
import type { Client } from './client.js';
import { TopicError } from './topics.js';

/**
 * Who may subscribe to what: the topic permission (auth/topic-permissions.ts) and the per-client
 * topic cap. Apart from the fan-out's delivery so a policy change (a new permission, another cap)
 * touches only this file.
 */

export const defaultMaxTopicsPerClient = 256;

/** A subscribe the server refuses (no permission for the topic, too many topics): an error on that socket, not a disconnect. */
export class SubscribeRefusedError extends TopicError {
  constructor(
    readonly code: 'topic_forbidden' | 'too_many_topics',
    readonly topic: string,
    message: string,
  ) {
    super(message);
  }
}

/** Throws SubscribeRefusedError when `client` may not add the (canonical) `topic`; re-subscribing a held topic never counts against the cap. */
export function authorizeSubscribe(client: Client, topic: string, maxTopics: number, owners?: PersonalTopicOwners): void {
  if (!mayReadTopic(client.session.user, topic, owners)) {
    throw new SubscribeRefusedError('topic_forbidden', topic, `no permission to subscribe to ${topic}`);
  }
  if (!client.topics.has(topic) && client.topics.size >= maxTopics) {
    throw new SubscribeRefusedError('too_many_topics', topic, `cannot subscribe to ${topic}: a client may hold at most ${maxTopics} topics; unsubscribe one first`);
  }
}
