import type { RepoEvent } from '../events/repo.events';
import type { Stack, TrackedBranch } from './stack';

/** The stack as the repo stream says it is: pure, total, and the only writer of a Stack. */
export function evolveStack(stack: Stack, event: RepoEvent): Stack {
  const branches = new Map(stack.branches);
  const update = (name: string, change: Partial<TrackedBranch>) => {
    const branch = branches.get(name);
    if (branch) branches.set(name, { ...branch, ...change });
    return { ...stack, branches };
  };
  switch (event.type) {
    case 'RepoRegistered':
      return { trunk: event.data.trunk, branches };
    case 'BranchTracked':
      branches.set(event.data.branch, {
        name: event.data.branch,
        parent: event.data.parent,
        baseSha: event.data.baseSha,
      });
      return { ...stack, branches };
    case 'BranchReparented':
      return update(event.data.branch, { parent: event.data.to });
    case 'BranchRestacked':
      return update(event.data.branch, { baseSha: event.data.baseSha });
    case 'BranchUntracked':
      branches.delete(event.data.branch);
      return { ...stack, branches };
    case 'RepoBranchesObserved':
    case 'RepoWebhookSecretSet':
    case 'RepoWebhookSecretRemoved':
    case 'RepoAutoRestackSet':
      return stack;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

export const emptyStack = (trunk = 'main'): Stack => ({
  trunk,
  branches: new Map(),
});
