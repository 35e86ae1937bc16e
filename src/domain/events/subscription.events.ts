import type { Event } from '../message';

/** Events of the `subscription-<subscriptionId>` stream: an org's outbound webhook. */

export type SubscriptionCreated = Event<
  'SubscriptionCreated',
  {
    subscriptionId: string;
    orgId: string;
    /** Where deliveries are POSTed: http or https, a host of the allow-list. */
    url: string;
    /** Only this repo's events; null for every event of the org. */
    repoId: string | null;
    /** Only these types; null for every type. */
    eventTypes: string[] | null;
    /**
     * The signing secret, sealed (`SecretBox`, context `subscription:<id>`): never plain in
     * the store, stripped by every reader that shows events outside the service.
     */
    sealedSecret: string;
    /** Whether the service made the secret (it was answered once, in the 201). */
    secretGenerated: boolean;
    /** The client's `Idempotency-Key`, to recognise a retry of the same request. */
    idempotencyKey?: string;
  }
>;

/** Deliveries kept failing for longer than the bound: delivery stops until the org resumes it. */
export type SubscriptionPaused = Event<
  'SubscriptionPaused',
  {
    /** The last failure, as the deliveries list shows it (`HTTP 500`, `timeout`, …). */
    reason: string;
    /** When the failures began (ISO-8601). */
    failingSince: string;
    /** The event that could not be delivered (its global position). */
    position: number;
  }
>;

/** The org resumed a paused subscription: delivery goes on from its checkpoint. */
export type SubscriptionResumed = Event<'SubscriptionResumed', object>;

/** The org deleted the subscription: nothing more is delivered. */
export type SubscriptionDeleted = Event<'SubscriptionDeleted', object>;

export type SubscriptionEvent =
  | SubscriptionCreated
  | SubscriptionPaused
  | SubscriptionResumed
  | SubscriptionDeleted;

/** Every type of the subscription stream. */
export const SUBSCRIPTION_EVENT_TYPES = [
  'SubscriptionCreated',
  'SubscriptionPaused',
  'SubscriptionResumed',
  'SubscriptionDeleted',
] as const satisfies readonly SubscriptionEvent['type'][];
