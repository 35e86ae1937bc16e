import { DomainError } from '../../domain/domain-error';
import type { JobStep } from '../../domain/events/job.events';

/**
 * `work`, or a `JOB.STEP_TIMEOUT` failure once it has taken longer than `limitMs`; `abort`,
 * the work's controller, is then aborted with that failure, so that the work stops (its git
 * processes are killed) rather than running on unseen. Whatever it settles with later is
 * ignored. Without a limit, `work` is returned as it is.
 */
export async function withStepTimeout<T>(
  step: JobStep,
  work: Promise<T>,
  limitMs: number | undefined,
  abort?: AbortController,
): Promise<T> {
  if (!limitMs) return work;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const timedOut = new DomainError(
            'JOB.STEP_TIMEOUT',
            'internal',
            `Step ${step} took longer than ${limitMs} ms`,
          );
          abort?.abort(timedOut);
          reject(timedOut);
        }, limitMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
