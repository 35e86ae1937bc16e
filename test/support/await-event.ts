import type {
  EventStore,
  RecordedEvent,
} from '../../src/infrastructure/event-store/event-store.port';

/**
 * The first event of `type` in `streamId`, recorded already or still to come: it follows
 * the store through a subscription, so a test waits exactly as long as the event takes.
 * If it never comes, the test's own timeout ends the wait.
 */
export async function eventIn(
  store: EventStore,
  streamId: string,
  type: string,
): Promise<RecordedEvent> {
  const subscription = store.subscribe({
    filter: { types: [type], streamPrefix: streamId },
  });
  try {
    for await (const batch of subscription) {
      const found = batch.find((e) => e.streamId === streamId);
      if (found) return found;
    }
  } finally {
    subscription.close();
  }
  throw new Error(`the store closed before ${type} appeared in ${streamId}`);
}
