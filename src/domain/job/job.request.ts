import { ValidationError } from '../domain-error';
import { JOB_ACTIONS, type JobAction } from '../events/job.events';
import { assertBranchName } from '../stack/branch-name';
import { assertNotOwnParent } from '../stack/parent.rules';

/** An action request after the cheap checks: nothing here needs git or the clone. */
export interface ValidActionRequest {
  action: JobAction;
  branchName?: string;
  parentBranch?: string;
  /** `undo` only: the job it puts back. */
  undoOf?: string;
}

/**
 * A valid action request typed by its action: each action carries exactly the branch fields
 * it uses, so that code running the action needs no further presence checks.
 */
export type ActionRequest =
  | {
      action: 'sync_repo' | 'restack_repo' | 'adopt_stack';
      branchName?: undefined;
      parentBranch?: undefined;
      undoOf?: undefined;
    }
  | {
      action: 'undo';
      undoOf: string;
      branchName?: undefined;
      parentBranch?: undefined;
    }
  | {
      action: 'restack_subtree' | 'rebase_branch';
      branchName: string;
      parentBranch?: undefined;
    }
  | { action: 'reparent_branch'; branchName: string; parentBranch: string }
  | {
      action: 'register_existing_branch';
      branchName: string;
      parentBranch?: string;
    };

export const isJobAction = (action: unknown): action is JobAction =>
  typeof action === 'string' &&
  (JOB_ACTIONS as readonly string[]).includes(action);

/**
 * The request-time rules: the action is known, the branch fields it needs are present and
 * well-formed, and a branch is never its own parent. Fields an action does not use are
 * dropped, so that they cannot change the job (or its idempotency fingerprint). The job
 * runs these same rules again before it touches git.
 */
export function validateActionRequest(input: {
  action: string;
  branchName?: string;
  parentBranch?: string;
  undoOf?: string;
}): ActionRequest {
  const { action, branchName, parentBranch, undoOf } = input;
  if (!isJobAction(action)) {
    throw new ValidationError(
      'REPO_ACTION.UNKNOWN_ACTION',
      `Unknown action ${JSON.stringify(action)}; expected one of ${JOB_ACTIONS.join(', ')}`,
    );
  }
  switch (action) {
    case 'sync_repo':
    case 'restack_repo':
    case 'adopt_stack':
      return { action };
    case 'undo':
      // An undo names the job it puts back; only `POST /jobs/:jobId/undo` asks for one.
      if (undoOf === undefined) {
        throw new ValidationError(
          'REPO_ACTION.UNDO_NEEDS_JOB',
          'undo is asked for with POST /jobs/{jobId}/undo, naming the job to put back',
        );
      }
      return { action, undoOf };
    case 'restack_subtree':
    case 'rebase_branch':
      return { action, branchName: requireBranchName(action, branchName) };
    case 'reparent_branch': {
      const branch = requireBranchName(action, branchName);
      if (parentBranch === undefined) {
        throw new ValidationError(
          'REPO_ACTION.PARENT_REQUIRED',
          'parentBranch is required for reparent_branch',
        );
      }
      return {
        action,
        branchName: branch,
        parentBranch: validParent(branch, parentBranch),
      };
    }
    case 'register_existing_branch': {
      const branch = requireBranchName(action, branchName);
      // Without a parent, the job finds the nearest tracked ancestor itself.
      if (parentBranch === undefined) return { action, branchName: branch };
      return {
        action,
        branchName: branch,
        parentBranch: validParent(branch, parentBranch),
      };
    }
  }
}

function requireBranchName(
  action: JobAction,
  branchName: string | undefined,
): string {
  if (branchName === undefined) {
    throw new ValidationError(
      'REPO_ACTION.BRANCH_REQUIRED',
      `branchName is required for ${action}`,
    );
  }
  assertBranchName(branchName);
  return branchName;
}

function validParent(branch: string, parentBranch: string): string {
  assertBranchName(parentBranch, 'parentBranch');
  assertNotOwnParent(branch, parentBranch);
  return parentBranch;
}

/** Whether a retried request asks for the same job as the one a key first made. */
export const sameActionRequest = (
  a: ValidActionRequest,
  b: ValidActionRequest,
): boolean =>
  a.action === b.action &&
  a.branchName === b.branchName &&
  a.parentBranch === b.parentBranch &&
  a.undoOf === b.undoOf;
