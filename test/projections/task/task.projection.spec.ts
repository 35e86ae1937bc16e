import type { TaskEvent } from '../../../src/domain/events/task.events';
import type { MessageMetadata } from '../../../src/domain/message';
import { jobStream, repoStream, taskStream } from '../../../src/domain/streams';
import { foldRow } from '../../../src/projections/projection';
import { taskProjection } from '../../../src/projections/task/task.projection';
import { aRecordedHistory } from '../../builders/recorded.builders';
import {
  aTaskBranchAttached,
  aTaskBranchAttachFailed,
  aTaskBranchAttachRequested,
  aTaskCreated,
} from '../../builders/task.builders';
import { evolveRecorded } from '../../support/evolve-recorded';

const OWNED = { orgId: 'org-1', repoId: 'repo-1' };

/** Given the task's events as recorded with `metadata`, when folded, then the row. */
function given(
  events: readonly TaskEvent[],
  metadata: MessageMetadata = OWNED,
) {
  const recorded = aRecordedHistory().append(
    taskStream('task-1'),
    events,
    metadata,
  );
  return { recorded, row: foldRow(taskProjection, recorded) };
}

describe('task projection', () => {
  describe('keyOf', () => {
    it('keys a row by the task id of its task stream', () => {
      const [event] = aRecordedHistory().append(taskStream('7'), [
        aTaskCreated(),
      ]);
      expect(taskProjection.keyOf(event!)).toBe('7');
    });

    it('keys nothing for an event of another stream', () => {
      const history = aRecordedHistory();
      for (const streamId of [repoStream('7'), jobStream('7')]) {
        const [event] = history.append(streamId, [aTaskCreated()]);
        expect(taskProjection.keyOf(event!)).toBeUndefined();
      }
    });
  });

  it('given a task created, then it is pending with its org, branch and times', () => {
    const created = aTaskCreated({
      parentBranch: 'dev',
      idempotencyKey: 'k-1',
    });
    const { recorded, row } = given([created]);
    expect(row).toEqual({
      taskId: 'task-1',
      orgId: 'org-1',
      repoId: 'repo-1',
      title: created.data.title,
      branchName: created.data.branchName,
      parentBranch: 'dev',
      idempotencyKey: 'k-1',
      status: 'pending_branch_attach',
      jobId: null,
      headSha: null,
      parent: null,
      error: null,
      createdAt: recorded[0]!.recordedAt,
      updatedAt: recorded[0]!.recordedAt,
      position: recorded[0]!.globalPosition,
    });
  });

  it('given a task created at a time in its metadata, then that is when it was created', () => {
    const at = '2025-12-31T08:00:00.000Z';
    expect(given([aTaskCreated()], { ...OWNED, at }).row).toMatchObject({
      createdAt: at,
      updatedAt: at,
      parentBranch: null,
      idempotencyKey: null,
    });
  });

  it('given a task created without an org, then there is no row (nobody could read it)', () => {
    expect(given([aTaskCreated()], { repoId: 'repo-1' }).row).toBeNull();
    expect(
      given([aTaskCreated(), aTaskBranchAttachRequested()], {}).row,
    ).toBeNull();
  });

  it('given events before the task was created, then there is no row', () => {
    expect(given([aTaskBranchAttachRequested()]).row).toBeNull();
  });

  it('given its attach job requested, then the task waits for that job', () => {
    const { recorded, row } = given([
      aTaskCreated(),
      aTaskBranchAttachRequested('job-1'),
    ]);
    expect(row).toMatchObject({
      status: 'pending_branch_attach',
      jobId: 'job-1',
      updatedAt: recorded[1]!.recordedAt,
      position: recorded[1]!.globalPosition,
    });
    expect(row?.createdAt).toBe(recorded[0]!.recordedAt);
  });

  it('given its branch attached, then the task is ready with the head and parent', () => {
    const { row } = given([
      aTaskCreated(),
      aTaskBranchAttachRequested('job-1'),
      aTaskBranchAttached({ parent: 'dev' }),
    ]);
    expect(row).toMatchObject({
      status: 'ready',
      jobId: 'job-1',
      parent: 'dev',
      headSha: aTaskBranchAttached().data.headSha,
      error: null,
    });
  });

  it('given a known branch attached at creation, then the task is ready without a job', () => {
    const { row } = given([aTaskCreated(), aTaskBranchAttached()]);
    expect(row).toMatchObject({ status: 'ready', jobId: null });
  });

  it('given its attach failed, then the task shows the error', () => {
    const { row } = given([
      aTaskCreated(),
      aTaskBranchAttachRequested(),
      aTaskBranchAttachFailed('GIT.UNKNOWN_BRANCH', 'gone'),
    ]);
    expect(row).toMatchObject({
      status: 'attach_failed',
      headSha: null,
      error: { code: 'GIT.UNKNOWN_BRANCH', message: 'gone' },
    });
  });

  describe('idempotence', () => {
    it('given a row, when an event it has applied is folded again, then the row is the same', () => {
      const { recorded, row } = given([
        aTaskCreated(),
        aTaskBranchAttachFailed(),
      ]);
      expect(evolveRecorded(taskProjection, row, recorded[1]!)).toBe(row);
    });

    it('given a row, when an older event is folded, then the row is the same', () => {
      const { recorded, row } = given([
        aTaskCreated(),
        aTaskBranchAttachRequested('job-1'),
        aTaskBranchAttached(),
      ]);
      expect(evolveRecorded(taskProjection, row, recorded[1]!)).toBe(row);
    });

    it('given a row, when its creation is folded again, then the row is the same', () => {
      const { recorded, row } = given([
        aTaskCreated(),
        aTaskBranchAttachRequested(),
      ]);
      expect(evolveRecorded(taskProjection, row, recorded[0]!)).toBe(row);
    });
  });
});
