import { visibleTo, type PublishedEvent } from './batch.js';
import type { Client } from './client.js';
import type { ResyncNotice } from './connection.js';
import type { Delivery } from './delivery.js';
import type { ResumeWindow } from './window.js';
import { isPrivateTopic, privateTopicPrefix, subscriptionReaches } from './topics.js';

/**
 * A subscribe with a position: the retained events after it on the topic, or, when that cannot be
 * served exactly, the notice telling the client to reload over REST. Returns how many were sent.
 */
export function replayMissed(window: ResumeWindow<PublishedEvent>, delivery: Delivery, client: Client, topic: string, position: number): number | ResyncNotice {
  // Events another subscription of this client already brings are not sent twice (for a private event, only a
  // subscription inside `/me/` brings it: topics.ts).
  const brought = (event: PublishedEvent): boolean => client.topics.matches(event.topic, topic, isPrivateTopic(event.topic) ? privateTopicPrefix.length : 0);
  const since = window.since(
    position,
    (event) => subscriptionReaches(topic, event.topic) && visibleTo(event, client.session.user.uuid) && !brought(event),
  );
  const notice = (reason: ResyncNotice['reason'], message: string): ResyncNotice => ({
    topic,
    position,
    reason,
    message,
    oldest: window.oldestResumable,
    head: window.headPosition,
  });
  if (!since.ok) {
    return since.reason === 'expired'
      ? notice('expired', `position ${position} is older than the resume window (oldest resumable: ${window.oldestResumable})`)
      : notice('ahead', `position ${position} is ahead of this server (at ${window.headPosition})`);
  }
  if (client.unsent + since.events.length > delivery.limit) {
    return notice('buffer', `${since.events.length} missed events exceed the client buffer (${delivery.limit})`);
  }
  delivery.toClient(client, since.events);
  return since.events.length;
}
