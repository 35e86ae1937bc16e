import { DomainError } from '../../../src/domain/domain-error';
import { jobStateFrom } from '../../../src/domain/job/job.state';
import {
  DEFAULT_RETRY_POLICY,
  failureOf,
  react,
  remainingSteps,
  retryDelayMs,
  shouldRetry,
  stepsToRun,
} from '../../../src/sagas/job-runner/job.saga';
import type { JobEvent } from '../../../src/domain/events/job.events';
import {
  aRepoActionInterrupted,
  aRepoActionRequested,
  aRepoActionStarted,
  aStepCompleted,
  aStepStarted,
  anExecutionPlan,
} from '../../builders/job.builders';

const NOW = '2026-01-01T00:00:10.000Z';

describe('the job saga', () => {
  it('claims a queued job as attempt 1', () => {
    expect(react(jobStateFrom([aRepoActionRequested()]), NOW)).toEqual({
      kind: 'claim',
      attempt: 1,
      interrupted: false,
    });
  });

  it('records a job found running as interrupted before claiming it again', () => {
    const state = jobStateFrom([aRepoActionRequested(), aRepoActionStarted(1)]);
    expect(react(state, NOW)).toEqual({
      kind: 'claim',
      attempt: 2,
      interrupted: true,
    });
  });

  it('gives up, as JOB.INTERRUPTED, a job cut off in its last allowed attempt (it may be what stops the service)', () => {
    const cutOffIn = (attempt: number) =>
      jobStateFrom([aRepoActionRequested(), aRepoActionStarted(attempt)]);
    const last = DEFAULT_RETRY_POLICY.maxAttempts;
    expect(react(cutOffIn(last), NOW)).toEqual({
      kind: 'give_up',
      failure: {
        code: 'JOB.INTERRUPTED',
        message: `The service stopped while attempt ${last} of ${last} ran; the job is not tried again`,
        transient: false,
      },
    });
    expect(react(cutOffIn(last - 1), NOW)).toEqual({
      kind: 'claim',
      attempt: last,
      interrupted: true,
    });
  });

  it('settles, rather than gives up, a last attempt cut off once its plan was recorded and before publish completed (its push may have landed)', () => {
    const last = DEFAULT_RETRY_POLICY.maxAttempts;
    const planned = [
      aRepoActionRequested(),
      aStepCompleted('pre_sync'),
      aStepCompleted('execute', { plan: anExecutionPlan() }),
    ];
    const cutOff = (attempt: number, ...after: JobEvent[]) =>
      jobStateFrom([
        aRepoActionRequested(),
        aRepoActionStarted(attempt),
        ...planned.slice(1),
        ...after,
      ]);

    expect(react(cutOff(last, aStepStarted('publish')), NOW)).toEqual({
      kind: 'settle',
    });
    // Cut off between the plan and publish's start: settling finds nothing pushed.
    expect(react(cutOff(last), NOW)).toEqual({ kind: 'settle' });
    // Published already: only post_sync was cut off, nothing is left to find out.
    expect(react(cutOff(last, aStepCompleted('publish')), NOW)).toMatchObject({
      kind: 'give_up',
    });
    // An earlier attempt still gets a new one.
    expect(react(cutOff(last - 1, aStepStarted('publish')), NOW)).toEqual({
      kind: 'claim',
      attempt: last,
      interrupted: true,
    });
    // A settle cut off leaves the job waiting: one more attempt, and if that is cut off
    // too, the job is given up.
    const settleCutOff = cutOff(
      last,
      aStepStarted('publish'),
      aRepoActionInterrupted(last),
    );
    expect(react(settleCutOff, NOW)).toEqual({
      kind: 'claim',
      attempt: last + 1,
      interrupted: false,
    });
    expect(
      react(
        jobStateFrom([
          ...planned,
          aRepoActionStarted(last),
          aRepoActionInterrupted(last),
          aRepoActionStarted(last + 1),
          aStepStarted('publish'),
        ]),
        NOW,
      ),
    ).toMatchObject({ kind: 'give_up', failure: { code: 'JOB.INTERRUPTED' } });
  });

  it('runs the remaining steps of a job resumed where it ran; taken over from another instance, pre_sync again (for this clone) and execute again until it has published', () => {
    const planned = jobStateFrom([
      aRepoActionRequested(),
      aRepoActionStarted(1),
      aStepCompleted('pre_sync'),
      aStepCompleted('execute', { plan: anExecutionPlan() }),
    ]);
    const published = jobStateFrom([
      aRepoActionRequested(),
      aRepoActionStarted(1),
      aStepCompleted('pre_sync'),
      aStepCompleted('execute', { plan: anExecutionPlan() }),
      aStepCompleted('publish'),
    ]);

    expect(stepsToRun(planned, false)).toEqual(['publish', 'post_sync']);
    expect(stepsToRun(planned, true)).toEqual([
      'pre_sync',
      'execute',
      'publish',
      'post_sync',
    ]);
    expect(stepsToRun(published, false)).toEqual(['post_sync']);
    expect(stepsToRun(published, true)).toEqual(['pre_sync', 'post_sync']);
  });

  it('waits for a scheduled retry, then claims', () => {
    const state = jobStateFrom([
      aRepoActionRequested(),
      aRepoActionStarted(1),
      {
        type: 'RepoActionRetryScheduled',
        data: {
          attempt: 1,
          reason: 'down',
          retryAt: '2026-01-01T00:00:20.000Z',
        },
      },
    ]);
    expect(react(state, NOW)).toEqual({
      kind: 'wait',
      until: '2026-01-01T00:00:20.000Z',
    });
    expect(react(state, '2026-01-01T00:00:21.000Z')).toMatchObject({
      kind: 'claim',
      attempt: 2,
    });
  });

  it('cancels a job asked to stop before it published', () => {
    const state = jobStateFrom([
      aRepoActionRequested(),
      aRepoActionStarted(1),
      { type: 'RepoActionCancelRequested', data: {} },
      { type: 'RepoActionInterrupted', data: { attempt: 1 } },
    ]);
    expect(react(state, NOW)).toEqual({ kind: 'cancel' });
  });

  it('does nothing for a finished job', () => {
    const state = jobStateFrom([
      aRepoActionRequested(),
      { type: 'RepoActionCancelled', data: {} },
    ]);
    expect(react(state, NOW)).toEqual({ kind: 'none' });
  });

  it('resumes after the last completed step', () => {
    const state = jobStateFrom([
      aRepoActionRequested(),
      aRepoActionStarted(1),
      {
        type: 'RepoActionStepCompleted',
        data: { step: 'pre_sync', summary: 'ok' },
      },
    ]);
    expect(remainingSteps(state)).toEqual(['execute', 'publish', 'post_sync']);
  });

  it('retries only transient failures, up to the attempt limit', () => {
    const down = failureOf(
      new DomainError('GIT.REMOTE_UNAVAILABLE', 'unavailable', 'down'),
    );
    const conflict = failureOf(
      new DomainError('GIT.CONFLICT', 'conflict', 'c', {
        conflict: { branch: 'a', files: ['f'] },
      }),
    );
    expect(down.transient).toBe(true);
    expect(conflict).toMatchObject({
      transient: false,
      conflict: { branch: 'a', files: ['f'] },
    });
    expect(shouldRetry(down, 1, DEFAULT_RETRY_POLICY)).toBe(true);
    expect(
      shouldRetry(down, DEFAULT_RETRY_POLICY.maxAttempts, DEFAULT_RETRY_POLICY),
    ).toBe(false);
    expect(shouldRetry(conflict, 1, DEFAULT_RETRY_POLICY)).toBe(false);
    expect(failureOf(new Error('boom'))).toMatchObject({
      code: 'JOB.INTERNAL',
      transient: false,
    });
  });

  it('backs off exponentially with jitter, capped', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelayMs(policy, 1, 0)).toBe(50);
    expect(retryDelayMs(policy, 1, 0.999)).toBeCloseTo(100, -1);
    expect(retryDelayMs(policy, 3, 0)).toBe(200);
    expect(retryDelayMs(policy, 9, 0.5)).toBe(750);
  });
});
