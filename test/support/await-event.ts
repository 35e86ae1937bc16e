import { FINAL_JOB_EVENT_TYPES } from '../../src/domain/events/job.events';
import { jobStream } from '../../src/domain/streams';
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

/**
 * Resolves once every job of `jobIds` has ended (completed, failed or cancelled), whenever
 * that was: it follows the store from the start, so ends recorded already count.
 */
export async function jobsEnded(
  store: EventStore,
  ...jobIds: string[]
): Promise<void> {
  const waiting = new Set(jobIds.map(jobStream));
  const subscription = store.subscribe({
    filter: { types: FINAL_JOB_EVENT_TYPES },
  });
  try {
    for await (const batch of subscription) {
      for (const e of batch) waiting.delete(e.streamId);
      if (waiting.size === 0) return;
    }
  } finally {
    subscription.close();
  }
}
