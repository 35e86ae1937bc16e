import type {
  RepoActionCompleted,
  RepoActionFailed,
  RepoActionProgressed,
  RepoActionRequested,
  RepoActionStarted,
  RepoActionStepStarted,
} from '../../src/domain/events/job.events';
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
