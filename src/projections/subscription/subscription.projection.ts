import { SUBSCRIPTION_EVENTS } from '../../domain/events/stackyard-event';
import type { SubscriptionEvent } from '../../domain/events/subscription.events';
import { subscriptionIdOfStream } from '../../domain/streams';
import type { SubscriptionRow } from '../../read-models/subscription/subscription.row';
import type { Projection } from '../projection';

/**
 * An org's outbound webhooks, one row per `subscription-<id>` stream: what it delivers, and
 * whether it does. The sealed secret stays in the store: no read needs it.
 */
export const subscriptionProjection: Projection<
  SubscriptionRow,
  SubscriptionEvent['type']
> = {
  name: 'subscriptions',
  kind: SUBSCRIPTION_EVENTS,
  keyOf: (event) => subscriptionIdOfStream(event.streamId),
  evolve(row, event) {
    const at = event.metadata?.at ?? event.recordedAt;
    if (event.type === 'SubscriptionCreated') {
      if (row) return row;
      const d = event.data;
      return {
        subscriptionId: d.subscriptionId,
        orgId: d.orgId,
        url: d.url,
        repoId: d.repoId,
        eventTypes: d.eventTypes,
        state: 'active',
        pausedReason: null,
        pausedAt: null,
        idempotencyKey: d.idempotencyKey ?? null,
        createdPosition: event.globalPosition,
        createdAt: at,
        updatedAt: at,
        position: event.globalPosition,
      };
    }
    if (!row || event.globalPosition <= row.position) return row;
    const next = { ...row, updatedAt: at, position: event.globalPosition };
    switch (event.type) {
      case 'SubscriptionPaused':
        return {
          ...next,
          state: 'paused',
          pausedReason: event.data.reason,
          pausedAt: at,
        };
      case 'SubscriptionResumed':
        return { ...next, state: 'active', pausedReason: null, pausedAt: null };
      case 'SubscriptionDeleted':
        return { ...next, state: 'deleted' };
      default: {
        const unhandled: never = event;
        return unhandled;
      }
    }
  },
};
