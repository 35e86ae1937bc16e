import { taskDecider } from '../../../src/domain/task/task.decider';
import {
  aCreateTask,
  aRecordTaskBranchAttached,
  aRecordTaskBranchAttachFailed,
  aTaskBranchAttached,
  aTaskBranchAttachFailed,
  aTaskBranchAttachRequested,
  aTaskCreated,
} from '../../builders/task.builders';
import { deciderSpec } from '../../support/decider-spec';

const { given } = deciderSpec(taskDecider);

const viaJob = { kind: 'job', jobId: 'job-1' } as const;
const pending = [aTaskCreated(), aTaskBranchAttachRequested('job-1')];
const pendingWithKey = [
  aTaskCreated({ idempotencyKey: 'k-1' }),
  aTaskBranchAttachRequested('job-1'),
];

describe('task decider', () => {
  describe('CreateTask', () => {
    it('given no task, when created for a branch a job attaches, then the task waits for the job', () => {
      given([])
        .when(aCreateTask(viaJob))
        .then([aTaskCreated(), aTaskBranchAttachRequested('job-1')]);
    });

    it('given no task, when created for a known branch, then the task is ready at once', () => {
      const known = aTaskBranchAttached({ parent: 'feature-a' }).data;
      given([])
        .when(aCreateTask({ kind: 'known', ...known }))
        .then([aTaskCreated(), aTaskBranchAttached(known)]);
    });

    it('given the task created with a key, when the same request comes with the key, then it decides nothing', () => {
      given(pendingWithKey)
        .when(aCreateTask(viaJob, { idempotencyKey: 'k-1' }))
        .then([]);
      given([...pendingWithKey, aTaskBranchAttached()])
        .when(aCreateTask(viaJob, { idempotencyKey: 'k-1' }))
        .then([]);
    });

    it('given the task created with a key and a parent, when retried with the same parent, then it decides nothing', () => {
      given([aTaskCreated({ idempotencyKey: 'k-1', parentBranch: 'dev' })])
        .when(
          aCreateTask(viaJob, { idempotencyKey: 'k-1', parentBranch: 'dev' }),
        )
        .then([]);
    });

    it('given the task created with a key, when the key comes with another title or parent, then the key is reused', () => {
      given(pendingWithKey)
        .when(aCreateTask(viaJob, { idempotencyKey: 'k-1', title: 'Other' }))
        .then('IDEMPOTENCY.KEY_REUSED', { taskId: 'task-1' });
      given(pendingWithKey)
        .when(
          aCreateTask(viaJob, { idempotencyKey: 'k-1', parentBranch: 'dev' }),
        )
        .then('IDEMPOTENCY.KEY_REUSED');
    });

    it('given a pending or ready task, when another request creates it, then the branch is taken', () => {
      for (const taken of [pending, [...pending, aTaskBranchAttached()]]) {
        given(taken).when(aCreateTask(viaJob)).then('TASK.BRANCH_TAKEN', {
          taskId: 'task-1',
          branchName: 'feature',
        });
        given(taken)
          .when(aCreateTask(viaJob, { idempotencyKey: 'k-2' }))
          .then('TASK.BRANCH_TAKEN');
      }
      given(pendingWithKey)
        .when(aCreateTask(viaJob, { idempotencyKey: 'k-2' }))
        .then('TASK.BRANCH_TAKEN');
    });

    it('given a task whose attach failed, when another request creates it, then it decides nothing (the branch is free)', () => {
      const failed = [...pending, aTaskBranchAttachFailed()];
      given(failed).when(aCreateTask(viaJob)).then([]);
      given(failed)
        .when(aCreateTask(viaJob, { idempotencyKey: 'k-2', title: 'Again' }))
        .then([]);
    });

    it('given a task whose attach failed, when its own key comes with another request, then the key is reused', () => {
      given([...pendingWithKey, aTaskBranchAttachFailed()])
        .when(aCreateTask(viaJob, { idempotencyKey: 'k-1', title: 'Other' }))
        .then('IDEMPOTENCY.KEY_REUSED');
    });
  });

  describe('recording the attach outcome', () => {
    it('given a pending task, when its branch is attached, then that is recorded', () => {
      given(pending)
        .when(aRecordTaskBranchAttached({ parent: 'dev' }))
        .then([aTaskBranchAttached({ parent: 'dev' })]);
    });

    it('given a pending task, when its attach failed, then that is recorded', () => {
      given(pending)
        .when(aRecordTaskBranchAttachFailed('GIT.UNKNOWN_BRANCH', 'gone'))
        .then([aTaskBranchAttachFailed('GIT.UNKNOWN_BRANCH', 'gone')]);
    });

    it('given an outcome recorded, when any outcome is recorded again, then it decides nothing', () => {
      for (const settled of [
        [...pending, aTaskBranchAttached()],
        [...pending, aTaskBranchAttachFailed()],
      ]) {
        given(settled).when(aRecordTaskBranchAttached()).then([]);
        given(settled).when(aRecordTaskBranchAttachFailed()).then([]);
      }
    });

    it('given no task, when an outcome is recorded, then it decides nothing', () => {
      given([]).when(aRecordTaskBranchAttached()).then([]);
      given([]).when(aRecordTaskBranchAttachFailed()).then([]);
    });
  });

  it('given a task whose attach failed, then its state shows the status, job and error the API shows', () => {
    expect(
      given([
        aTaskCreated(),
        aTaskBranchAttachRequested('job-9'),
        aTaskBranchAttachFailed('GIT.UNKNOWN_BRANCH'),
      ]).state(),
    ).toMatchObject({
      status: 'attach_failed',
      jobId: 'job-9',
      error: { code: 'GIT.UNKNOWN_BRANCH' },
    });
  });
});
