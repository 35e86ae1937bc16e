import { ValidationError } from '../domain-error';
import { requireTracked, type Stack } from './stack';

/**
 * Throws `STACK.REPARENT_ONTO_ITSELF` when `parent` is `branch`. Checked when a request
 * arrives and again by every decision that gives a branch a parent.
 */
export function assertNotOwnParent(branch: string, parent: string): void {
  if (parent === branch) {
    throw new ValidationError(
      'STACK.REPARENT_ONTO_ITSELF',
      `${branch} cannot be its own parent`,
    );
  }
}

/**
 * Throws `STACK.BRANCH_NOT_TRACKED` unless `parent` may carry branches: the trunk, or a branch
 * the stack tracks.
 */
export function requireParentCandidate(stack: Stack, parent: string): void {
  if (parent !== stack.trunk) requireTracked(stack, parent);
}
