import { DomainError } from '../../domain/domain-error';
import type { JobStep } from '../../domain/events/job.events';

/**
 * `work`, or a `JOB.STEP_TIMEOUT` failure once it has taken longer than `limitMs`. The work
 * is not cancelled: it may still settle later, and that result is ignored. Without a limit,
 * `work` is returned as it is.
 */
export async function withStepTimeout<T>(
  step: JobStep,
  work: Promise<T>,
  limitMs: number | undefined,
): Promise<T> {
  if (!limitMs) return work;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new DomainError(
                'JOB.STEP_TIMEOUT',
                'internal',
                `Step ${step} took longer than ${limitMs} ms`,
              ),
            ),
          limitMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
