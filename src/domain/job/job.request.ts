import { ValidationError } from '../domain-error';
import { JOB_ACTIONS, type JobAction } from '../events/job.events';
import { assertBranchName } from '../stack/branch-name';

/** An action request after the cheap checks: nothing here needs git or the clone. */
export interface ValidActionRequest {
  action: JobAction;
  branchName?: string;
  parentBranch?: string;
}

const NEEDS_BRANCH: ReadonlySet<JobAction> = new Set([
  'restack_subtree',
  'rebase_branch',
  'reparent_branch',
  'register_existing_branch',
]);

/** Actions that take a `parentBranch` at all (required for reparent, optional for track). */
const TAKES_PARENT: ReadonlySet<JobAction> = new Set([
  'reparent_branch',
  'register_existing_branch',
]);

export const isJobAction = (action: unknown): action is JobAction =>
  typeof action === 'string' &&
  (JOB_ACTIONS as readonly string[]).includes(action);

/**
 * The request-time rules of DESIGN.md: the action is known, the branch fields it needs are
 * present and well-formed, and a branch is never its own parent. Fields an action does not
 * use are dropped, so that they cannot change the job (or its idempotency fingerprint).
 */
export function validateActionRequest(input: {
  action: string;
  branchName?: string;
  parentBranch?: string;
}): ValidActionRequest {
  const { action, branchName, parentBranch } = input;
  if (!isJobAction(action)) {
    throw new ValidationError(
      'REPO_ACTION.UNKNOWN_ACTION',
      `Unknown action ${JSON.stringify(action)}; expected one of ${JOB_ACTIONS.join(', ')}`,
    );
  }
  if (!NEEDS_BRANCH.has(action)) return { action };
  if (branchName === undefined) {
    throw new ValidationError(
      'REPO_ACTION.BRANCH_REQUIRED',
      `branchName is required for ${action}`,
    );
  }
  assertBranchName(branchName);
  if (!TAKES_PARENT.has(action)) return { action, branchName };
  if (parentBranch === undefined) {
    if (action === 'reparent_branch') {
      throw new ValidationError(
        'REPO_ACTION.PARENT_REQUIRED',
        'parentBranch is required for reparent_branch',
      );
    }
    return { action, branchName };
  }
  assertBranchName(parentBranch, 'parentBranch');
  if (parentBranch === branchName) {
    throw new ValidationError(
      'STACK.REPARENT_ONTO_ITSELF',
      `${branchName} cannot be its own parent`,
    );
  }
  return { action, branchName, parentBranch };
}

/** Whether a retried request asks for the same job as the one a key first made. */
export const sameActionRequest = (
  a: ValidActionRequest,
  b: ValidActionRequest,
): boolean =>
  a.action === b.action &&
  a.branchName === b.branchName &&
  a.parentBranch === b.parentBranch;
