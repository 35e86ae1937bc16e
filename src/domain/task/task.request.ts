import { ValidationError } from '../domain-error';
import { validateActionRequest } from '../job/job.request';

export const MAX_TASK_TITLE_LENGTH = 200;

/** A task request that passed every rule below. */
export interface ValidTaskRequest {
  title: string;
  branchName: string;
  parentBranch?: string;
}

/**
 * The rules of `POST /repos/:repoId/tasks`, checked before anything is written: a title
 * (trimmed, one line), then the branch and optional parent by the rules of
 * `register_existing_branch`, and a branch that is not the trunk.
 */
export function validateTaskRequest(
  input: {
    title: string;
    branchName: string;
    parentBranch?: string | undefined;
  },
  trunk: string,
): ValidTaskRequest {
  const title = input.title.trim();
  if (title.length === 0) {
    throw new ValidationError(
      'TASK.TITLE_REQUIRED',
      'title must not be empty',
      {
        field: 'title',
      },
    );
  }
  if (title.length > MAX_TASK_TITLE_LENGTH) {
    throw new ValidationError(
      'TASK.TITLE_TOO_LONG',
      `title must be at most ${MAX_TASK_TITLE_LENGTH} characters`,
      { field: 'title' },
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(title)) {
    throw new ValidationError(
      'TASK.TITLE_INVALID',
      'title must be one line without control characters',
      { field: 'title' },
    );
  }
  // The branch and parent follow the rules of the job that attaches the branch.
  const { branchName, parentBranch } = validateActionRequest({
    action: 'register_existing_branch',
    branchName: input.branchName,
    parentBranch: input.parentBranch,
  });
  if (branchName === trunk) {
    throw new ValidationError(
      'TASK.BRANCH_IS_TRUNK',
      `${trunk} is the trunk; a task needs a branch of its own`,
      { field: 'branchName' },
    );
  }
  return {
    title,
    branchName: branchName!,
    ...(parentBranch !== undefined ? { parentBranch } : {}),
  };
}

/** Whether a retry asks for the same task as the request that created it. */
export function sameTaskRequest(
  created: { title: string; branchName: string; parentBranch?: string | null },
  request: ValidTaskRequest,
): boolean {
  return (
    created.title === request.title &&
    created.branchName === request.branchName &&
    (created.parentBranch ?? undefined) === request.parentBranch
  );
}
