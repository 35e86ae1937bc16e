import { z } from 'zod';
import { SUBSCRIPTION_STATES } from '../../domain/subscription/subscription.state';
import type { DeliveryAttempt } from '../../infrastructure/webhooks/delivery-log.port';
import type { SubscriptionRow } from './subscription.row';

/** One delivery attempt, as `GET /subscriptions/{id}/deliveries` lists it. */
export const DeliveryResource = z
  .strictObject({
    eventId: z.string(),
    position: z.number().int(),
    eventType: z.string(),
    attempt: z.number().int().meta({
      description: 'Tries of this event so far (1 for the first).',
    }),
    statusCode: z.number().int().nullable().meta({
      description: "The receiver's status; null when none came (see `error`).",
    }),
    error: z.string().nullable().meta({
      description:
        'Why no status came: `timeout after … ms`, `ECONNREFUSED`, …; null when one did.',
    }),
    latencyMs: z.number().int(),
    at: z.iso.datetime(),
  })
  .meta({ id: 'Delivery', description: 'One try to deliver one event.' });
export type DeliveryResource = z.infer<typeof DeliveryResource>;

export const DeliveryListResource = z
  .strictObject({ items: z.array(DeliveryResource) })
  .meta({ id: 'DeliveryList', description: 'Newest attempts first.' });
export type DeliveryListResource = z.infer<typeof DeliveryListResource>;

/** The subscription resource of the API. It never holds the secret. */
export const SubscriptionResource = z
  .strictObject({
    subscriptionId: z.string(),
    url: z.string(),
    repoId: z.string().nullable().meta({
      description: "Only this repo's events; null for all of the org's.",
    }),
    eventTypes: z.array(z.string()).nullable().meta({
      description: 'Only these event types; null for every type.',
    }),
    state: z.enum(SUBSCRIPTION_STATES),
    pausedReason: z.string().nullable().meta({
      description:
        'Why deliveries stopped: the last failure, after failing for longer than the bound.',
    }),
    pausedAt: z.iso.datetime().nullable(),
    checkpoint: z
      .strictObject({
        position: z.number().int().meta({
          description:
            'Every event of the subscription up to this global position is delivered.',
        }),
        lag: z.number().int().meta({
          description:
            "Global positions between the checkpoint and the store's head (events of other orgs and filters included): 0 when caught up.",
        }),
      })
      .meta({ description: 'Where delivery stands.' }),
    failingSince: z.iso.datetime().nullable().meta({
      description:
        'When the current run of failed tries began; null while deliveries succeed.',
    }),
    lastDelivery: DeliveryResource.nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Subscription', description: 'An outbound webhook.' });
export type SubscriptionResource = z.infer<typeof SubscriptionResource>;

/** The 201 of `POST /subscriptions`: the secret the service made, this once. */
export const CreatedSubscriptionResource = SubscriptionResource.extend({
  secret: z.string().optional().meta({
    description:
      'The signing secret the service made when the request gave none: shown in this answer only (and to a retry with the same `Idempotency-Key`), never again.',
  }),
}).meta({ id: 'CreatedSubscription' });
export type CreatedSubscriptionResource = z.infer<
  typeof CreatedSubscriptionResource
>;

export const SubscriptionListResource = z
  .strictObject({ items: z.array(SubscriptionResource) })
  .meta({ id: 'SubscriptionList' });
export type SubscriptionListResource = z.infer<typeof SubscriptionListResource>;

export function toDeliveryResource(a: DeliveryAttempt): DeliveryResource {
  return {
    eventId: a.eventId,
    position: a.position,
    eventType: a.eventType,
    attempt: a.attempt,
    statusCode: a.statusCode,
    error: a.error,
    latencyMs: a.latencyMs,
    at: a.at,
  };
}

/** Where delivery stands, beside the row. */
export interface DeliveryProgress {
  position: number;
  head: number;
  failingSince: string | null;
  lastDelivery: DeliveryAttempt | undefined;
}

export function toSubscriptionResource(
  row: SubscriptionRow,
  progress: DeliveryProgress,
): SubscriptionResource {
  return {
    subscriptionId: row.subscriptionId,
    url: row.url,
    repoId: row.repoId,
    eventTypes: row.eventTypes,
    state: row.state,
    pausedReason: row.pausedReason,
    pausedAt: row.pausedAt,
    checkpoint: {
      position: progress.position,
      lag: Math.max(0, progress.head - progress.position),
    },
    failingSince: progress.failingSince,
    lastDelivery: progress.lastDelivery
      ? toDeliveryResource(progress.lastDelivery)
      : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
