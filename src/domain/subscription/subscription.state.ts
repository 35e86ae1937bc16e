import type { SubscriptionEvent } from '../events/subscription.events';

/** The subscription states clients see (the API's `state`). */
export const SUBSCRIPTION_STATES = ['active', 'paused', 'deleted'] as const;
export type SubscriptionStateName = (typeof SUBSCRIPTION_STATES)[number];

/** A subscription folded from its `subscription-<id>` stream; `absent` until created. */
export interface SubscriptionState {
  status: 'absent' | SubscriptionStateName;
  subscriptionId: string | null;
  orgId: string | null;
  url: string | null;
  repoId: string | null;
  eventTypes: string[] | null;
  secretGenerated: boolean;
  idempotencyKey: string | null;
  pausedReason: string | null;
}

export const initialSubscriptionState = (): SubscriptionState => ({
  status: 'absent',
  subscriptionId: null,
  orgId: null,
  url: null,
  repoId: null,
  eventTypes: null,
  secretGenerated: false,
  idempotencyKey: null,
  pausedReason: null,
});

export function evolveSubscription(
  state: SubscriptionState,
  event: SubscriptionEvent,
): SubscriptionState {
  switch (event.type) {
    case 'SubscriptionCreated': {
      const d = event.data;
      return {
        ...state,
        status: 'active',
        subscriptionId: d.subscriptionId,
        orgId: d.orgId,
        url: d.url,
        repoId: d.repoId,
        eventTypes: d.eventTypes,
        secretGenerated: d.secretGenerated,
        idempotencyKey: d.idempotencyKey ?? null,
      };
    }
    case 'SubscriptionPaused':
      return { ...state, status: 'paused', pausedReason: event.data.reason };
    case 'SubscriptionResumed':
      return { ...state, status: 'active', pausedReason: null };
    case 'SubscriptionDeleted':
      return { ...state, status: 'deleted' };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}
