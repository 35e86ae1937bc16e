import {
  sameTaskRequest,
  validateTaskRequest,
} from '../../../src/domain/task/task.request';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('task request rules', () => {
  it('trims the title and keeps a valid request', () => {
    expect(
      validateTaskRequest(
        { title: '  Fix login ', branchName: 'fix/login', parentBranch: 'dev' },
        'main',
      ),
    ).toEqual({
      title: 'Fix login',
      branchName: 'fix/login',
      parentBranch: 'dev',
    });
  });

  it.each([
    [{ title: ' ', branchName: 'x' }, 'TASK.TITLE_REQUIRED'],
    [{ title: 'y'.repeat(201), branchName: 'x' }, 'TASK.TITLE_TOO_LONG'],
    [{ title: 'a\tb', branchName: 'x' }, 'TASK.TITLE_INVALID'],
    [{ title: 'ok', branchName: 'bad name' }, 'BRANCH.INVALID_NAME'],
    [{ title: 'ok', branchName: 'main' }, 'TASK.BRANCH_IS_TRUNK'],
    [
      { title: 'ok', branchName: 'x', parentBranch: 'a:b' },
      'BRANCH.INVALID_NAME',
    ],
    [
      { title: 'ok', branchName: 'x', parentBranch: 'x' },
      'STACK.REPARENT_ONTO_ITSELF',
    ],
  ])('rejects %j with %s', (input, code) => {
    expect(codeOf(() => validateTaskRequest(input, 'main'))).toBe(code);
  });

  it('recognises a retry of the same request only', () => {
    const request = { title: 'A', branchName: 'x' };
    expect(sameTaskRequest({ ...request, parentBranch: null }, request)).toBe(
      true,
    );
    expect(sameTaskRequest({ title: 'B', branchName: 'x' }, request)).toBe(
      false,
    );
    expect(sameTaskRequest({ ...request, parentBranch: 'dev' }, request)).toBe(
      false,
    );
  });
});
