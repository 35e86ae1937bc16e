import { validateActionRequest } from '../../../src/domain/job/job.request';

const code = (input: Parameters<typeof validateActionRequest>[0]) => {
  try {
    validateActionRequest(input);
    return 'ok';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('request-time validation of job requests', () => {
  it.each([
    [{ action: 'sync_repo' }, 'ok'],
    [{ action: 'restack_repo' }, 'ok'],
    [{ action: 'adopt_stack' }, 'ok'],
    [{ action: 'undo' }, 'REPO_ACTION.UNDO_NEEDS_JOB'],
    [{ action: 'undo', undoOf: 'job-1' }, 'ok'],
    [{ action: 'explode' }, 'REPO_ACTION.UNKNOWN_ACTION'],
    [{ action: 'restack_subtree' }, 'REPO_ACTION.BRANCH_REQUIRED'],
    [{ action: 'rebase_branch' }, 'REPO_ACTION.BRANCH_REQUIRED'],
    [
      { action: 'reparent_branch', branchName: 'a' },
      'REPO_ACTION.PARENT_REQUIRED',
    ],
    [
      { action: 'reparent_branch', branchName: 'a', parentBranch: 'a' },
      'STACK.REPARENT_ONTO_ITSELF',
    ],
    [{ action: 'reparent_branch', branchName: 'a', parentBranch: 'b' }, 'ok'],
    [{ action: 'register_existing_branch', branchName: 'a' }, 'ok'],
    [{ action: 'register_existing_branch' }, 'REPO_ACTION.BRANCH_REQUIRED'],
    [
      { action: 'rebase_branch', branchName: 'bad..name' },
      'BRANCH.INVALID_NAME',
    ],
    [
      { action: 'reparent_branch', branchName: 'a', parentBranch: '-x' },
      'BRANCH.INVALID_NAME',
    ],
  ])('%j → %s', (input, expected) => expect(code(input)).toBe(expected));

  it('drops fields the action does not use', () => {
    expect(
      validateActionRequest({
        action: 'restack_repo',
        branchName: 'a',
        parentBranch: 'b',
      }),
    ).toEqual({ action: 'restack_repo' });
    expect(
      validateActionRequest({
        action: 'rebase_branch',
        branchName: 'a',
        parentBranch: 'b',
      }),
    ).toEqual({ action: 'rebase_branch', branchName: 'a' });
    expect(
      validateActionRequest({
        action: 'adopt_stack',
        branchName: 'a',
        undoOf: 'job-1',
      }),
    ).toEqual({ action: 'adopt_stack' });
    expect(
      validateActionRequest({ action: 'undo', branchName: 'a', undoOf: 'j' }),
    ).toEqual({ action: 'undo', undoOf: 'j' });
  });
});

describe('validateActionRequest results', () => {
  describe('given a reparent with a branch and a parent', () => {
    it('then both are kept', () => {
      expect(
        validateActionRequest({
          action: 'reparent_branch',
          branchName: 'a',
          parentBranch: 'b',
        }),
      ).toEqual({
        action: 'reparent_branch',
        branchName: 'a',
        parentBranch: 'b',
      });
    });
  });

  describe('given a branch to track', () => {
    describe('when no parent is named', () => {
      it('then the request carries no parent at all', () => {
        expect(
          validateActionRequest({
            action: 'register_existing_branch',
            branchName: 'a',
          }),
        ).toStrictEqual({
          action: 'register_existing_branch',
          branchName: 'a',
        });
      });
    });

    describe('when a parent is named', () => {
      it('then it is kept', () => {
        expect(
          validateActionRequest({
            action: 'register_existing_branch',
            branchName: 'a',
            parentBranch: 'main',
          }),
        ).toEqual({
          action: 'register_existing_branch',
          branchName: 'a',
          parentBranch: 'main',
        });
      });
    });
  });

  describe('given a branch name that is missing and a parent that is invalid', () => {
    it('then the missing branch is reported first', () => {
      expect(code({ action: 'reparent_branch', parentBranch: '-x' })).toBe(
        'REPO_ACTION.BRANCH_REQUIRED',
      );
    });
  });
});
