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
  });
});
