import { withoutSecrets } from '../../domain/events/without-secrets';
import { jobIdOfStream } from '../../domain/streams';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';

/** Which events one SSE client sees: always only its org's, narrowed by repo or job. */
export interface SseScope {
  orgId: string;
  repoId?: string;
  jobId?: string;
}

/**
 * Whether `event` may go to a client of `scope`. An event without an org in its metadata
 * goes to no one: leaking nothing is the default.
 */
export function inScope(event: RecordedEvent, scope: SseScope): boolean {
  const meta = event.metadata;
  if (!meta?.orgId || meta.orgId !== scope.orgId) return false;
  if (scope.repoId !== undefined && meta.repoId !== scope.repoId) return false;
  if (scope.jobId !== undefined) {
    if (jobOf(event) !== scope.jobId) return false;
  }
  return true;
}

/**
 * The block a stream opens with, before any message: the reconnection delay, and the
 * position the stream resumes after as its `id:`. An `id:` without data dispatches no
 * event but sets `EventSource`'s last event id, so a browser whose connection drops before
 * the first message of its scope resumes from there with `Last-Event-ID`; without it, a
 * stream opened at the present would reopen at a later present and skip what came between.
 */
export function formatStreamStart(from: number): string {
  return `retry: 1000\nid: ${from - 1}\n: from ${from}\n\n`;
}

/** One event in the SSE wire format; `id` is the global position, for `Last-Event-ID`. */
export function formatSse(event: RecordedEvent): string {
  const payload = {
    position: event.globalPosition,
    type: event.type,
    at: event.metadata.at ?? event.recordedAt,
    repoId: event.metadata.repoId ?? null,
    jobId: jobOf(event) ?? null,
    data: withoutSecrets(event.data),
  };
  return `id: ${event.globalPosition}\nevent: ${event.type}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/** The job an event belongs to: its stream's, else the one its metadata names. */
export const jobOf = (event: RecordedEvent): string | undefined =>
  jobIdOfStream(event.streamId) ?? event.metadata.jobId;
