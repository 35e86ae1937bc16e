import type { JobEvent } from '../../../src/domain/events/job.events';
import type { MessageMetadata } from '../../../src/domain/message';
import { jobStream, repoStream, taskStream } from '../../../src/domain/streams';
import { jobProjection } from '../../../src/projections/job/job.projection';
import { foldRow } from '../../../src/projections/projection';
import {
  aCancelRequested,
  aRepoActionCancelled,
  aRepoActionCompleted,
  aRepoActionFailed,
  aRepoActionInterrupted,
  aRepoActionProgressed,
  aRepoActionRequested,
  aRepoActionStarted,
  aRetryScheduled,
  aStepCompleted,
  aStepStarted,
  anExecutionPlan,
} from '../../builders/job.builders';
import { aRecordedHistory } from '../../builders/recorded.builders';
import { evolveRecorded } from '../../support/evolve-recorded';

const JOB = jobStream('job-1');

/** Given the job's events as recorded, when folded, then the row and the recorded events. */
function given(
  events: readonly { type: string; data: object }[],
  metadata: MessageMetadata = {},
) {
  const recorded = aRecordedHistory().append(JOB, events, metadata);
  return { recorded, row: foldRow(jobProjection, recorded) };
}

describe('job projection', () => {
  describe('keyOf', () => {
    it('keys a row by the job id of its repo-action stream', () => {
      const [event] = aRecordedHistory().append(jobStream('42'), [
        aRepoActionStarted(),
      ]);
      expect(jobProjection.keyOf(event!)).toBe('42');
    });

    it('keys nothing for an event of another stream', () => {
      const history = aRecordedHistory();
      for (const streamId of [repoStream('9'), taskStream('9')]) {
        const [event] = history.append(streamId, [aRepoActionRequested()]);
        expect(jobProjection.keyOf(event!)).toBeUndefined();
      }
    });
  });

  it('given a request, then the job is queued with its target', () => {
    const { recorded, row } = given([
      aRepoActionRequested({
        action: 'reparent_branch',
        branchName: 'feature-b',
        parentBranch: 'feature-a',
        idempotencyKey: 'k1',
        taskId: 'task-1',
      }),
    ]);
    const [requested] = recorded;
    expect(row).toEqual({
      jobId: 'job-1',
      orgId: 'org-1',
      repoId: 'repo-1',
      action: 'reparent_branch',
      branchName: 'feature-b',
      parentBranch: 'feature-a',
      idempotencyKey: 'k1',
      taskId: 'task-1',
      undoOf: null,
      undoable: false,
      status: 'queued',
      step: null,
      message: null,
      progressDone: null,
      progressTotal: null,
      attempt: 0,
      cancelRequested: false,
      requestedAt: requested!.recordedAt,
      startedAt: null,
      finishedAt: null,
      updatedAt: requested!.recordedAt,
      result: null,
      error: null,
      position: requested!.globalPosition,
    });
  });

  describe('undo', () => {
    it('given an undo request, then the row names the job it puts back', () => {
      expect(
        given([aRepoActionRequested({ action: 'undo', undoOf: 'job-0' })]).row,
      ).toMatchObject({ action: 'undo', undoOf: 'job-0', undoable: false });
    });

    it('given a completed job whose plan moved a branch, then it is undoable', () => {
      const { row } = given([
        aRepoActionRequested(),
        aRepoActionStarted(),
        aStepCompleted('execute', { plan: anExecutionPlan() }),
        aRepoActionCompleted(),
      ]);
      expect(row).toMatchObject({ status: 'completed', undoable: true });
    });

    it('given a restack that found its branch in place, then it is not undoable', () => {
      const inPlace = anExecutionPlan({
        moves: [],
        changed: [],
        events: [
          {
            type: 'BranchRestacked',
            data: {
              branch: 'feature-a',
              baseSha: '2'.repeat(40),
              fromSha: 'a'.repeat(40),
              toSha: 'a'.repeat(40),
              jobId: 'job-1',
            },
          },
        ],
      });
      const { row } = given([
        aRepoActionRequested(),
        aRepoActionStarted(),
        aStepCompleted('execute', { plan: inPlace }),
        aRepoActionCompleted({ changed: [] }),
      ]);
      expect(row).toMatchObject({ status: 'completed', undoable: false });
    });

    it('given a job that tracked a branch without moving any, then it is undoable', () => {
      const tracked = anExecutionPlan({
        moves: [],
        changed: [],
        events: [
          {
            type: 'BranchTracked',
            data: { branch: 'b', parent: 'main', baseSha: '1'.repeat(40) },
          },
        ],
      });
      const { row } = given([
        aRepoActionRequested(),
        aStepCompleted('execute', { plan: tracked }),
        aRepoActionCompleted({ changed: [] }),
      ]);
      expect(row!.undoable).toBe(true);
    });

    it('given a job that failed after planning, then it is not undoable', () => {
      const { row } = given([
        aRepoActionRequested(),
        aStepCompleted('execute', { plan: anExecutionPlan() }),
        aRepoActionFailed(),
      ]);
      expect(row).toMatchObject({ status: 'error', undoable: false });
    });
  });

  it('given an adopt that completed, then its result lists the adopted and skipped branches', () => {
    const adopted = [{ branch: 'b', parent: 'a' }];
    const skipped = [{ branch: 'old', reason: 'merged' as const }];
    const { row } = given([
      aRepoActionRequested({ action: 'adopt_stack' }),
      aRepoActionCompleted({ changed: [], adopted, skipped }),
    ]);
    expect(row!.result).toEqual({ changed: [], adopted, skipped });
  });

  it('given a request without optional fields, then they are null', () => {
    expect(given([aRepoActionRequested()]).row).toMatchObject({
      branchName: null,
      parentBranch: null,
      idempotencyKey: null,
      taskId: null,
    });
  });

  it('given a request made at a time in its metadata, then that is when it was requested (the 202 and reads agree)', () => {
    const at = '2025-12-31T23:59:59.000Z';
    expect(given([aRepoActionRequested()], { at }).row).toMatchObject({
      requestedAt: at,
      updatedAt: at,
    });
  });

  it('given a start and progress, then the job is running with its step and progress', () => {
    const { recorded, row } = given([
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
      startedAt: recorded[1]!.recordedAt,
      updatedAt: recorded[3]!.recordedAt,
      position: recorded[3]!.globalPosition,
    });
  });

  it('given progress without counts, then the counts are null', () => {
    const { row } = given([
      aRepoActionRequested(),
      aRepoActionStarted(),
      aRepoActionProgressed({ done: undefined, total: undefined }),
    ]);
    expect(row).toMatchObject({ progressDone: null, progressTotal: null });
  });

  it('given the next step started, then the previous step’s progress is cleared', () => {
    const { row } = given([
      aRepoActionRequested(),
      aRepoActionStarted(),
      aStepStarted('execute'),
      aRepoActionProgressed({ done: 2, total: 3 }),
      aStepCompleted('execute', { summary: 'planned 1 move' }),
      aStepStarted('publish'),
    ]);
    expect(row).toMatchObject({
      step: 'publish',
      message: 'planned 1 move',
      progressDone: null,
      progressTotal: null,
    });
  });

  it('given a second attempt, then it keeps when the job first started', () => {
    const { recorded, row } = given([
      aRepoActionRequested(),
      aRepoActionStarted(1),
      aRepoActionInterrupted(1),
      aRepoActionStarted(2),
    ]);
    expect(row).toMatchObject({
      status: 'running',
      attempt: 2,
      startedAt: recorded[1]!.recordedAt,
      message: null,
    });
  });

  it('given completion, then the job keeps the changed branches', () => {
    const completed = aRepoActionCompleted();
    const { recorded, row } = given([
      aRepoActionRequested(),
      aRepoActionStarted(),
      aStepCompleted('execute', { plan: anExecutionPlan() }),
      completed,
    ]);
    expect(row).toMatchObject({
      status: 'completed',
      message: completed.data.summary,
      finishedAt: recorded[3]!.recordedAt,
      result: { changed: completed.data.changed },
      error: null,
    });
  });

  it('given a failure, then the job is in error with the conflict', () => {
    const failed = aRepoActionFailed();
    const { recorded, row } = given([
      aRepoActionRequested(),
      aRepoActionStarted(),
      failed,
    ]);
    expect(row).toMatchObject({
      status: 'error',
      message: failed.data.message,
      finishedAt: recorded[2]!.recordedAt,
      result: null,
      error: {
        code: 'GIT.CONFLICT',
        message: failed.data.message,
        conflict: { branch: 'feature-a', files: ['src/app.ts'] },
      },
    });
  });

  it('given a failure without a conflict, then the error has none', () => {
    const { row } = given([
      aRepoActionRequested(),
      aRepoActionFailed({ code: 'GIT.FETCH_FAILED', conflict: undefined }),
    ]);
    expect(row?.error).toEqual({
      code: 'GIT.FETCH_FAILED',
      message: aRepoActionFailed().data.message,
    });
  });

  it('given a retry or an interruption, then the job is back in the queue', () => {
    const retry = aRetryScheduled({ attempt: 2, reason: 'fetch failed' });
    const retried = given([
      aRepoActionRequested(),
      aRepoActionStarted(),
      retry,
    ]).row;
    expect(retried?.status).toBe('queued');
    expect(retried?.message).toContain(retry.data.reason);
    expect(retried?.message).toContain(retry.data.retryAt);
    expect(
      given([
        aRepoActionRequested(),
        aRepoActionStarted(),
        aRepoActionInterrupted(),
      ]).row?.status,
    ).toBe('queued');
  });

  it('given a cancel request, then it is noted; given a cancellation, then the job ends', () => {
    expect(
      given([aRepoActionRequested(), aCancelRequested()]).row,
    ).toMatchObject({ status: 'queued', cancelRequested: true });
    const { recorded, row } = given([
      aRepoActionRequested(),
      aRepoActionCancelled(),
    ]);
    expect(row).toMatchObject({
      status: 'cancelled',
      finishedAt: recorded[1]!.recordedAt,
    });
  });

  it('given a finished job, when more events follow, then it stays as it finished', () => {
    const finished = [aRepoActionRequested(), aRepoActionCompleted()];
    expect(
      given([
        ...finished,
        aRepoActionStarted(2),
        aRepoActionFailed(),
        aRepoActionCancelled(),
      ]).row,
    ).toEqual(given(finished).row);
  });

  it('given events before the request, then there is no row', () => {
    expect(given([aRepoActionStarted(), aStepStarted()]).row).toBeNull();
  });

  it('given an event of a type it does not read, then the row does not change', () => {
    const { row } = given([
      aRepoActionRequested(),
      { type: 'SomethingNew', data: { x: 1 } },
    ]);
    expect(row).toEqual(given([aRepoActionRequested()]).row);
  });

  describe('idempotence', () => {
    it('given a row, when its request is folded again, then the row is the same', () => {
      const { recorded, row } = given([
        aRepoActionRequested(),
        aRepoActionStarted(),
      ]);
      expect(evolveRecorded(jobProjection, row, recorded[0]!)).toBe(row);
    });

    it('given each step of a job’s life, when its last event is folded again, then the row does not change', () => {
      const life: JobEvent[] = [
        aRepoActionRequested(),
        aRepoActionStarted(1),
        aStepStarted('execute'),
        aRepoActionProgressed(),
        aStepCompleted('execute'),
        aRetryScheduled(),
        aRepoActionStarted(2),
        aRepoActionInterrupted(2),
        aRepoActionStarted(3),
        aCancelRequested(),
        aRepoActionFailed(),
      ];
      const { recorded } = given(life);
      for (let n = 1; n <= recorded.length; n++) {
        const row = foldRow(jobProjection, recorded.slice(0, n));
        expect(evolveRecorded(jobProjection, row, recorded[n - 1]!)).toEqual(
          row,
        );
      }
    });
  });
});
