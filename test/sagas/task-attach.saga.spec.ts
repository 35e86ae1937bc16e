import { attachOutcome } from '../../src/sagas/task-attach.saga';

const facts = { parent: 'main', headSha: 'b'.repeat(40) };

describe('task attach saga', () => {
  it('attaches the branch with the head and parent the stack records when the job completed', () => {
    expect(
      attachOutcome(
        { type: 'RepoActionCompleted', data: { summary: 'ok', changed: [] } },
        'feature',
        facts,
      ),
    ).toEqual({ type: 'RecordTaskBranchAttached', data: facts });
  });

  it('attaches a branch the job found tracked already', () => {
    expect(
      attachOutcome(
        {
          type: 'RepoActionFailed',
          data: { code: 'STACK.ALREADY_TRACKED', message: 'tracked' },
        },
        'feature',
        facts,
      ).type,
    ).toBe('RecordTaskBranchAttached');
  });

  it('passes a failed job code on', () => {
    expect(
      attachOutcome(
        {
          type: 'RepoActionFailed',
          data: { code: 'GIT.UNKNOWN_BRANCH', message: 'gone' },
        },
        'feature',
        {},
      ),
    ).toEqual({
      type: 'RecordTaskBranchAttachFailed',
      data: { code: 'GIT.UNKNOWN_BRANCH', message: 'gone' },
    });
  });

  it('fails the attach of a cancelled job, and of a job that left the branch untracked', () => {
    expect(
      attachOutcome({ type: 'RepoActionCancelled', data: {} }, 'feature', facts)
        .data,
    ).toMatchObject({ code: 'JOB.CANCELLED' });
    expect(
      attachOutcome(
        { type: 'RepoActionCompleted', data: { summary: 'ok', changed: [] } },
        'feature',
        { headSha: facts.headSha },
      ).data,
    ).toMatchObject({ code: 'TASK.BRANCH_NOT_TRACKED' });
  });
});
