import { DomainError } from '../../domain/domain-error';
import type { JobStep } from '../../domain/events/job.events';

/** How long a timed-out step's aborted work gets to stop before the step fails anyway. */
export const ABORT_GRACE_MS = 5_000;

/**
 * `work`, or a `JOB.STEP_TIMEOUT` failure once it has taken longer than `limitMs`; `abort`,
 * the work's controller, is then aborted with that failure, so that the work stops (its git
 * processes are killed) rather than running on unseen. The failure comes once the aborted
 * work has settled (its processes gone, what they left cleaned up), or after `graceMs` if it
 * does not: while the step has not failed, the repo's next job cannot start. Whatever the
 * work settles with is ignored. Without a limit, `work` is returned as it is.
 */
export async function withStepTimeout<T>(
  step: JobStep,
  work: Promise<T>,
  limitMs: number | undefined,
  abort?: AbortController,
  graceMs = ABORT_GRACE_MS,
): Promise<T> {
  if (!limitMs) return work;
  let timer: NodeJS.Timeout | undefined;
  let grace: NodeJS.Timeout | undefined;
  try {
    return await new Promise<T>((resolve, reject) => {
      let timedOut = false;
      work.then(
        (result) => timedOut || resolve(result),
        // The work's own failure, passed on as it is.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        (error: unknown) => timedOut || reject(error),
      );
      timer = setTimeout(() => {
        timedOut = true;
        const failure = new DomainError(
          'JOB.STEP_TIMEOUT',
          'internal',
          `Step ${step} took longer than ${limitMs} ms`,
        );
        const fail = () => reject(failure);
        if (!abort) return fail();
        abort.abort(failure);
        work.then(fail, fail);
        grace = setTimeout(fail, graceMs);
      }, limitMs);
    });
  } finally {
    clearTimeout(timer);
    clearTimeout(grace);
  }
}
