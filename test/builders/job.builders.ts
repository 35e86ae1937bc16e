import type {
  ExecutionPlan,
  RepoActionCancelled,
  RepoActionCancelRequested,
  RepoActionCompleted,
  RepoActionFailed,
  RepoActionInterrupted,
  RepoActionProgressed,
  RepoActionRequested,
  RepoActionRetryScheduled,
  RepoActionStarted,
  RepoActionStepCompleted,
  RepoActionStepStarted,
} from '../../src/domain/events/job.events';
import type { CancelJob, RequestJob } from '../../src/domain/job/job.decider';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.port';

/** Deterministic test data: every builder takes overrides and fills the rest. */

export const aRepoActionRequested = (
  data: Partial<RepoActionRequested['data']> = {},
): RepoActionRequested => ({
  type: 'RepoActionRequested',
  data: {
    jobId: 'job-1',
    orgId: 'org-1',
    repoId: 'repo-1',
    action: 'restack_repo',
    ...data,
  },
});

export const aRepoActionStarted = (attempt = 1): RepoActionStarted => ({
  type: 'RepoActionStarted',
  data: { attempt, worker: 'worker-1' },
});

export const aStepStarted = (
  step: RepoActionStepStarted['data']['step'] = 'execute',
): RepoActionStepStarted => ({ type: 'RepoActionStepStarted', data: { step } });

export const aStepCompleted = (
  step: RepoActionStepCompleted['data']['step'] = 'execute',
  data: Partial<Omit<RepoActionStepCompleted['data'], 'step'>> = {},
): RepoActionStepCompleted => ({
  type: 'RepoActionStepCompleted',
  data: { step, summary: `${step} done`, ...data },
});

/** What an `execute` step decided: one branch restacked onto the trunk's new head. */
export const anExecutionPlan = (
  data: Partial<ExecutionPlan> = {},
): ExecutionPlan => ({
  moves: [{ branch: 'feature-a', from: 'a'.repeat(40), to: 'b'.repeat(40) }],
  events: [
    {
      type: 'BranchRestacked',
      data: {
        branch: 'feature-a',
        baseSha: '2'.repeat(40),
        fromSha: 'a'.repeat(40),
        toSha: 'b'.repeat(40),
        jobId: 'job-1',
      },
    },
  ],
  changed: [
    { branch: 'feature-a', fromSha: 'a'.repeat(40), toSha: 'b'.repeat(40) },
  ],
  summary: 'restack feature-a',
  ...data,
});

export const aRetryScheduled = (
  data: Partial<RepoActionRetryScheduled['data']> = {},
): RepoActionRetryScheduled => ({
  type: 'RepoActionRetryScheduled',
  data: {
    attempt: 1,
    reason: 'fetch failed',
    retryAt: '2026-01-01T00:01:00.000Z',
    ...data,
  },
});

export const aRepoActionInterrupted = (attempt = 1): RepoActionInterrupted => ({
  type: 'RepoActionInterrupted',
  data: { attempt },
});

export const aCancelRequested = (): RepoActionCancelRequested => ({
  type: 'RepoActionCancelRequested',
  data: {},
});

export const aRepoActionCancelled = (): RepoActionCancelled => ({
  type: 'RepoActionCancelled',
  data: {},
});

export const aRepoActionProgressed = (
  data: Partial<RepoActionProgressed['data']> = {},
): RepoActionProgressed => ({
  type: 'RepoActionProgressed',
  data: {
    step: 'execute',
    message: 'restacking feature-a',
    done: 1,
    total: 3,
    ...data,
  },
});

export const aRepoActionCompleted = (
  data: Partial<RepoActionCompleted['data']> = {},
): RepoActionCompleted => ({
  type: 'RepoActionCompleted',
  data: {
    summary: 'restacked 1 branch',
    changed: [
      { branch: 'feature-a', fromSha: 'a'.repeat(40), toSha: 'b'.repeat(40) },
    ],
    ...data,
  },
});

export const aRepoActionFailed = (
  data: Partial<RepoActionFailed['data']> = {},
): RepoActionFailed => ({
  type: 'RepoActionFailed',
  data: {
    code: 'GIT.CONFLICT',
    message: 'feature-a conflicts with main',
    conflict: { branch: 'feature-a', files: ['src/app.ts'] },
    ...data,
  },
});

/** The command that asks for the job `aRepoActionRequested(data)` records. */
export const aRequestJob = (
  data: Partial<RequestJob['data']> = {},
): RequestJob => ({
  type: 'RequestJob',
  data: aRepoActionRequested(data).data,
});

export const aCancelJob = (
  data: Partial<CancelJob['data']> = {},
): CancelJob => ({
  type: 'CancelJob',
  data: { jobId: 'job-1', orgId: 'org-1', ...data },
});

/** Wraps events as the store would record them, one stream, positions from `firstPosition`. */
export function recorded<E extends { type: string; data: object }>(
  streamId: string,
  events: readonly E[],
  firstPosition = 1,
): Array<RecordedEvent & E> {
  return events.map((e, i) => ({
    ...e,
    eventId: `${streamId}-${i}`,
    streamId,
    streamVersion: i,
    globalPosition: firstPosition + i,
    type: e.type,
    data: e.data,
    metadata: {},
    recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  }));
}
