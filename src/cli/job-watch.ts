import { isFinalStatus } from '../domain/job/job-status';
import type { ApiClient } from './api-client';
import type { Job } from './api.types';
import { followEvents } from './event-stream';
import { EXIT, type ExitCode } from './exit-codes';
import { applyEvent, viewOf, type JobView } from './job-view';
import type { WatchRenderer } from './render/watch-renderer';

/**
 * Follows a job to its end: the job as read at a position of the read models, then its
 * events on `GET /events?jobId=` from that position on (so nothing falls between the read
 * and the stream), each folded into the view and rendered; at the end the job is read
 * again, at the final event's position, for the state every later read will show.
 */
export async function watchJob(
  client: ApiClient,
  jobId: string,
  renderer: WatchRenderer,
  first?: Job,
): Promise<Job> {
  let job = first ?? (await client.getJob(jobId));
  if (isFinalStatus(job.status)) {
    renderer.start(viewOf(job));
    renderer.finish(viewOf(job));
    return job;
  }
  const after = await client.readPosition(job.repoId);
  job = await client.getJob(jobId, after);
  let view: JobView = viewOf(job);
  renderer.start(view);
  let endPosition: number | undefined;
  if (!isFinalStatus(job.status)) {
    await followEvents(client, {
      query: { jobId },
      after,
      onEvent: (event) => {
        const next = applyEvent(view, event);
        view = next.view;
        renderer.update(view, next.changes);
        if (!isFinalStatus(view.job.status)) return false;
        endPosition = event.position;
        return true;
      },
      onReconnect: (reason) => renderer.reconnecting(reason),
    });
  }
  const final = await client.getJob(jobId, endPosition);
  // The read models answer within 2 s of the event even when they lag; should they lag
  // more, the events have told the end already.
  const ended = isFinalStatus(final.status) ? final : view.job;
  view =
    ended.status === 'completed'
      ? { ...viewOf(ended), summaries: view.summaries }
      : { ...view, job: ended };
  renderer.finish(view);
  return ended;
}

/** The exit status a job's end stands for. */
export function exitCodeOf(job: Job): ExitCode {
  switch (job.status) {
    case 'completed':
      return EXIT.ok;
    case 'error':
      return EXIT.jobError;
    case 'cancelled':
      return EXIT.jobCancelled;
    case 'queued':
    case 'running':
      return EXIT.ok;
  }
}
