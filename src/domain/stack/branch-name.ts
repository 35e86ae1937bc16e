import { ValidationError } from '../domain-error';

/** Longest branch name accepted, in UTF-16 code units; git has no limit, file systems do. */
export const MAX_BRANCH_NAME_LENGTH = 200;

/**
 * Why `name` is not a valid branch name by git's ref-format rules (`git check-ref-format
 * --branch`), or undefined when it is. Checked before any name reaches git.
 */
export function branchNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0)
    return 'must be a non-empty string';
  if (name.length > MAX_BRANCH_NAME_LENGTH)
    return `must be at most ${MAX_BRANCH_NAME_LENGTH} characters`;
  if (name.startsWith('-')) return 'must not start with "-"';
  if (name === '@' || name === 'HEAD') return `must not be "${name}"`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name))
    return 'must not contain spaces, control characters or any of ~ ^ : ? * [ \\';
  if (name.includes('..')) return 'must not contain ".."';
  if (name.includes('@{')) return 'must not contain "@{"';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//'))
    return 'must not start or end with "/" or contain "//"';
  if (name.endsWith('.')) return 'must not end with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return 'no part may start with "."';
    if (part.endsWith('.lock')) return 'no part may end with ".lock"';
  }
  return undefined;
}

/** Throws `BRANCH.INVALID_NAME` (a validation error) unless `name` is a valid branch name. */
export function assertBranchName(
  name: unknown,
  field = 'branchName',
): asserts name is string {
  const problem = branchNameProblem(name);
  if (problem) {
    throw new ValidationError(
      'BRANCH.INVALID_NAME',
      `${field} is not a valid branch name: it ${problem}`,
      { field },
    );
  }
}
