import { evolveRecorded } from '../../support/evolve-recorded';
import { jobProjection } from '../../../src/projections/job/job.projection';
import type { JobRow } from '../../../src/read-models/job/job.row';
import {
  aRepoActionCompleted,
  aRepoActionFailed,
  aRepoActionProgressed,
  aRepoActionRequested,
  aRepoActionStarted,
  aStepStarted,
  recorded,
} from '../../builders/job.builders';

const project = (events: readonly { type: string; data: object }[]) =>
  recorded('repo-action-job-1', events).reduce<JobRow | null>(
    (row, event) => evolveRecorded(jobProjection, row, event),
    null,
  );

describe('job projection', () => {
  it('keys rows by the job id of the repo-action stream', () => {
    const [event] = recorded('repo-action-42', [aRepoActionStarted()]);
    expect(jobProjection.keyOf(event!)).toBe('42');
    const [other] = recorded('repo-9', [aRepoActionStarted()]);
    expect(jobProjection.keyOf(other!)).toBeUndefined();
  });

  it('given a request, the job is queued with its target', () => {
    const row = project([
      aRepoActionRequested({
        action: 'reparent_branch',
        branchName: 'feature-b',
        parentBranch: 'feature-a',
        idempotencyKey: 'k1',
      }),
    ]);
    expect(row).toMatchObject({
      jobId: 'job-1',
      repoId: 'repo-1',
      orgId: 'org-1',
      action: 'reparent_branch',
      branchName: 'feature-b',
      parentBranch: 'feature-a',
      idempotencyKey: 'k1',
      status: 'queued',
      attempt: 0,
      requestedAt: '2026-01-01T00:00:00.000Z',
      startedAt: null,
      result: null,
      error: null,
    });
  });

  it('when started and progressing, the job is running with its step and progress', () => {
    const row = project([
      aRepoActionRequested(),
      aRepoActionStarted(1),
      aStepStarted('execute'),
      aRepoActionProgressed({
        message: 'restacking feature-a',
        done: 1,
        total: 3,
      }),
    ]);
    expect(row).toMatchObject({
      status: 'running',
      attempt: 1,
      step: 'execute',
      message: 'restacking feature-a',
      progressDone: 1,
      progressTotal: 3,
      startedAt: '2026-01-01T00:00:01.000Z',
      position: 4,
    });
  });

  it('when completed, the job keeps the changed branches', () => {
    const row = project([
      aRepoActionRequested(),
      aRepoActionStarted(),
      aRepoActionCompleted(),
    ]);
    expect(row?.status).toBe('completed');
    expect(row?.finishedAt).toBe('2026-01-01T00:00:02.000Z');
    expect(row?.result?.changed[0]?.branch).toBe('feature-a');
  });

  it('when failed, the job is in error with the conflict', () => {
    const row = project([
      aRepoActionRequested(),
      aRepoActionStarted(),
      aRepoActionFailed(),
    ]);
    expect(row).toMatchObject({
      status: 'error',
      error: {
        code: 'GIT.CONFLICT',
        conflict: { branch: 'feature-a', files: ['src/app.ts'] },
      },
    });
  });

  it('a retry or an interruption puts the job back in the queue', () => {
    expect(
      project([
        aRepoActionRequested(),
        aRepoActionStarted(),
        {
          type: 'RepoActionRetryScheduled',
          data: {
            attempt: 2,
            reason: 'fetch failed',
            retryAt: '2026-01-01T00:01:00.000Z',
          },
        },
      ])?.status,
    ).toBe('queued');
    expect(
      project([
        aRepoActionRequested(),
        aRepoActionStarted(),
        { type: 'RepoActionInterrupted', data: { attempt: 1 } },
      ])?.status,
    ).toBe('queued');
  });

  it('a cancel request is noted and a cancellation ends the job', () => {
    const requested = project([
      aRepoActionRequested(),
      { type: 'RepoActionCancelRequested', data: {} },
    ]);
    expect(requested).toMatchObject({
      status: 'queued',
      cancelRequested: true,
    });
    const cancelled = project([
      aRepoActionRequested(),
      { type: 'RepoActionCancelled', data: {} },
    ]);
    expect(cancelled?.status).toBe('cancelled');
  });

  it('a finished job stays finished', () => {
    const row = project([
      aRepoActionRequested(),
      aRepoActionCompleted(),
      aRepoActionStarted(2),
      aRepoActionFailed(),
    ]);
    expect(row?.status).toBe('completed');
  });

  it('ignores events before the request and events it does not know', () => {
    expect(project([aRepoActionStarted()])).toBeNull();
    const row = project([
      aRepoActionRequested(),
      { type: 'SomethingNew', data: { x: 1 } },
    ]);
    expect(row?.status).toBe('queued');
    expect(row?.position).toBe(1);
  });
});
