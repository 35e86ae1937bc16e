import {
  narrow,
  SUBSCRIPTION_EVENTS,
} from '../../domain/events/stackyard-event';
import { subscriptionIdOfStream } from '../../domain/streams';
import type { SubscriptionStateName } from '../../domain/subscription/subscription.state';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';

/**
 * A subscription as the delivery worker knows it from its stream: plain JSON, so that it can
 * be checkpointed. The secret is not part of it (it stays sealed in the store and is read
 * from the subscription's stream when its consumer starts).
 */
export interface KnownSubscription {
  subscriptionId: string;
  orgId: string;
  url: string;
  repoId: string | null;
  eventTypes: string[] | null;
  state: SubscriptionStateName;
  createdPosition: number;
  resumedAt: string | null;
}

/** Folds one event of a subscription stream; returns the id it changed. */
export function foldSubscription(
  known: Map<string, KnownSubscription>,
  recorded: RecordedEvent,
): string | undefined {
  const id = subscriptionIdOfStream(recorded.streamId);
  const event = narrow(recorded, SUBSCRIPTION_EVENTS);
  if (id === undefined || !event) return undefined;
  const current = known.get(id);
  switch (event.type) {
    case 'SubscriptionCreated': {
      if (current) return undefined;
      const d = event.data;
      known.set(id, {
        subscriptionId: id,
        orgId: d.orgId,
        url: d.url,
        repoId: d.repoId,
        eventTypes: d.eventTypes,
        state: 'active',
        createdPosition: recorded.globalPosition,
        resumedAt: null,
      });
      return id;
    }
    case 'SubscriptionPaused':
      if (current) current.state = 'paused';
      return id;
    case 'SubscriptionResumed':
      if (current) {
        current.state = 'active';
        current.resumedAt = recorded.metadata.at ?? recorded.recordedAt;
      }
      return id;
    case 'SubscriptionDeleted':
      // Nothing is left to deliver, ever: forgotten, so the state holds live ones only.
      known.delete(id);
      return id;
  }
}
