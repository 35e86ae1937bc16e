import { subscriptionStream } from '../domain/streams';
import { subscriptionModel } from '../domain/subscription/subscription.decider';
import type { Clock } from '../infrastructure/clock/clock';
import type {
  EventStore,
  RecordedEvent,
} from '../infrastructure/event-store/event-store.port';
import { handleCommand } from '../infrastructure/event-store/handle-command';

/**
 * Decides one of an org's changes to its subscription (delete, resume) on the subscription's
 * stream, as the org; answers the stream after it. The delete and resume handlers differ only
 * in the command they pass.
 */
export async function changeSubscription(
  store: EventStore,
  clock: Clock,
  type: 'DeleteSubscription' | 'ResumeSubscription',
  {
    orgId,
    subscriptionId,
    requestId,
  }: { orgId: string; subscriptionId: string; requestId?: string },
): Promise<RecordedEvent[]> {
  const { stream } = await handleCommand(
    store,
    subscriptionStream(subscriptionId),
    subscriptionModel,
    { type, data: { orgId } },
    {
      metadata: {
        correlationId: requestId ?? subscriptionId,
        actor: `org:${orgId}`,
        orgId,
        at: clock.now().toISOString(),
      },
    },
  );
  return stream;
}
