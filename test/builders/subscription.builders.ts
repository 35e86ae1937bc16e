import type {
  SubscriptionCreated,
  SubscriptionDeleted,
  SubscriptionPaused,
  SubscriptionResumed,
} from '../../src/domain/events/subscription.events';

export const aSubscriptionCreated = (
  data: Partial<SubscriptionCreated['data']> = {},
): SubscriptionCreated => ({
  type: 'SubscriptionCreated',
  data: {
    subscriptionId: 'sub-1',
    orgId: 'org-1',
    url: 'https://hooks.example.com/stackyard',
    repoId: null,
    eventTypes: null,
    sealedSecret: 'v1.key.iv.body',
    secretGenerated: true,
    ...data,
  },
});

export const aSubscriptionPaused = (
  data: Partial<SubscriptionPaused['data']> = {},
): SubscriptionPaused => ({
  type: 'SubscriptionPaused',
  data: {
    reason: 'HTTP 500',
    failingSince: '2026-01-01T00:00:00.000Z',
    position: 7,
    ...data,
  },
});

export const aSubscriptionResumed = (): SubscriptionResumed => ({
  type: 'SubscriptionResumed',
  data: {},
});

export const aSubscriptionDeleted = (): SubscriptionDeleted => ({
  type: 'SubscriptionDeleted',
  data: {},
});
