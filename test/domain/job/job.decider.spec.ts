import { jobDecider } from '../../../src/domain/job/job.decider';
import {
  aCancelJob,
  aCancelRequested,
  aRepoActionCancelled,
  aRepoActionCompleted,
  aRepoActionFailed,
  aRepoActionInterrupted,
  aRepoActionRequested,
  aRepoActionStarted,
  aRequestJob,
  aRetryScheduled,
  aStepCompleted,
  aStepStarted,
} from '../../builders/job.builders';
import { deciderSpec } from '../../support/decider-spec';

const { given } = deciderSpec(jobDecider);

const running = [aRepoActionRequested(), aRepoActionStarted(), aStepStarted()];

describe('job decider', () => {
  describe('RequestJob', () => {
    it('given no job, when requested, then the request is recorded', () => {
      given([])
        .when(aRequestJob({ idempotencyKey: 'k-1' }))
        .then([aRepoActionRequested({ idempotencyKey: 'k-1' })]);
    });

    it('given the job requested, when the same request comes again, then it decides nothing', () => {
      given([aRepoActionRequested()]).when(aRequestJob()).then([]);
      given([aRepoActionRequested({ idempotencyKey: 'k-1' })])
        .when(aRequestJob({ idempotencyKey: 'k-1' }))
        .then([]);
    });

    it('given the job requested and running, when the same request comes again, then it decides nothing', () => {
      given(running).when(aRequestJob()).then([]);
    });

    it('given a job made by a key, when the key comes with another request, then the key is reused', () => {
      const first = [aRepoActionRequested({ idempotencyKey: 'k-1' })];
      given(first)
        .when(aRequestJob({ idempotencyKey: 'k-1', action: 'sync_repo' }))
        .then('IDEMPOTENCY.KEY_REUSED', { jobId: 'job-1' });
      given(first)
        .when(
          aRequestJob({
            idempotencyKey: 'k-1',
            action: 'rebase_branch',
            branchName: 'feature-b',
          }),
        )
        .then('IDEMPOTENCY.KEY_REUSED');
      given(first)
        .when(aRequestJob({ idempotencyKey: 'k-1', taskId: 'task-1' }))
        .then('IDEMPOTENCY.KEY_REUSED');
    });

    it('given a job made without a key, when another request comes under its id, then the id is taken', () => {
      given([aRepoActionRequested()])
        .when(aRequestJob({ action: 'sync_repo' }))
        .then('JOB.ALREADY_EXISTS');
    });
  });

  describe('CancelJob', () => {
    it("given another org's job, when cancelled, then it is not found", () => {
      given([aRepoActionRequested({ orgId: 'org-1' })])
        .when(aCancelJob({ orgId: 'org-2' }))
        .then('JOB.NOT_FOUND');
    });

    it('given no job, when cancelled, then it is not found', () => {
      given([]).when(aCancelJob()).then('JOB.NOT_FOUND');
    });

    it('given a queued job, when cancelled, then it is cancelled at once', () => {
      given([aRepoActionRequested()])
        .when(aCancelJob())
        .then([aRepoActionCancelled()]);
    });

    it('given a job waiting for its retry, when cancelled, then it is cancelled at once', () => {
      given([aRepoActionRequested(), aRepoActionStarted(), aRetryScheduled()])
        .when(aCancelJob())
        .then([aRepoActionCancelled()]);
    });

    it('given an interrupted job waiting to resume, when cancelled, then it is cancelled at once', () => {
      given([
        aRepoActionRequested(),
        aRepoActionStarted(),
        aRepoActionInterrupted(),
      ])
        .when(aCancelJob())
        .then([aRepoActionCancelled()]);
    });

    it('given a running job, when cancelled, then it is asked to stop at its next step', () => {
      given(running).when(aCancelJob()).then([aCancelRequested()]);
    });

    it('given a running job asked to stop, when cancelled again, then it decides nothing', () => {
      given([...running, aCancelRequested()])
        .when(aCancelJob())
        .then([]);
    });

    it('given a running job that has published, when cancelled, then it cannot be', () => {
      given([...running, aStepCompleted('publish')])
        .when(aCancelJob())
        .then('JOB.CANNOT_CANCEL');
    });

    it('given a running job before publish, when cancelled, then it is asked to stop', () => {
      given([...running, aStepCompleted('pre_sync'), aStepCompleted('execute')])
        .when(aCancelJob())
        .then([aCancelRequested()]);
    });

    it.each([
      ['completed', aRepoActionCompleted()],
      ['error', aRepoActionFailed()],
      ['cancelled', aRepoActionCancelled()],
    ] as const)(
      'given a job that ended %s, when cancelled, then it has already finished',
      (status, end) => {
        given([aRepoActionRequested(), aRepoActionStarted(), end])
          .when(aCancelJob())
          .then('JOB.ALREADY_FINISHED', { status });
      },
    );
  });
});
