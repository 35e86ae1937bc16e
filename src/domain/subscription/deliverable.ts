import { DELIVERABLE_EVENTS } from '../events/stackyard-event';
import type { MessageMetadata } from '../message';
import { subscriptionIdOfStream } from '../streams';

/** What a subscription receives: its org's events, narrowed by repo and type. */
export interface DeliveryFilter {
  orgId: string;
  repoId: string | null;
  eventTypes: readonly string[] | null;
}

/**
 * Whether a stored event goes to a subscription: of its org (an event without an org goes to
 * no one), of its repo if it names one, of its types if it lists some, and never a
 * subscription's own event (no delivery may cause a delivery).
 */
export function isDeliverable(
  event: { streamId: string; type: string; metadata?: MessageMetadata },
  filter: DeliveryFilter,
): boolean {
  const meta = event.metadata;
  if (!meta?.orgId || meta.orgId !== filter.orgId) return false;
  if (subscriptionIdOfStream(event.streamId) !== undefined) return false;
  if (!DELIVERABLE_EVENTS.has(event.type)) return false;
  if (filter.repoId !== null && meta.repoId !== filter.repoId) return false;
  if (filter.eventTypes !== null && !filter.eventTypes.includes(event.type))
    return false;
  return true;
}
