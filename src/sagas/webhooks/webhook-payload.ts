import { withoutSecrets } from '../../domain/events/without-secrets';
import { jobIdOfStream } from '../../domain/streams';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';

/**
 * The JSON body of one delivery: the event as the SSE stream shows it, with its id for the
 * receiver's dedupe (a delivery may come again: at least once) and without its secrets.
 */
export function webhookPayload(event: RecordedEvent): string {
  return JSON.stringify({
    id: event.eventId,
    position: event.globalPosition,
    type: event.type,
    at: event.metadata.at ?? event.recordedAt,
    repoId: event.metadata.repoId ?? null,
    jobId: jobIdOfStream(event.streamId) ?? event.metadata.jobId ?? null,
    data: withoutSecrets(event.data),
  });
}
