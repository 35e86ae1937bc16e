import type { HookJobAction, HookPush } from '../events/hook.events';
import type { RepoState } from '../repo/repo.decider';

const BRANCH_REF = 'refs/heads/';

/** What a verified push comes to before any job is looked at. */
export type PushDecision =
  | {
      kind: 'record';
      outcome: 'ignored' | 'own_publish' | 'branch_moved';
      branch?: string;
    }
  | {
      kind: 'queue';
      action: HookJobAction;
      branch: string;
      /** `restack_subtree`'s branch; a sync names none. */
      branchName?: string;
    };

/**
 * A push, given the repo as its stream says: to trunk it queues `sync_repo`; to a tracked
 * branch, unless its new head is what Stackyard itself last published there, it moved the
 * branch (its children need a restack) and, with `autoRestack`, queues `restack_subtree` for
 * it. Tags, deleted branches and branches the stack does not track are only recorded.
 */
export function decidePush(
  repo: Pick<RepoState, 'stack' | 'publishedHeads' | 'autoRestack'>,
  push: HookPush,
): PushDecision {
  if (!push.ref.startsWith(BRANCH_REF))
    return { kind: 'record', outcome: 'ignored' };
  const branch = push.ref.slice(BRANCH_REF.length);
  if (push.deleted || /^0+$/.test(push.after))
    return { kind: 'record', outcome: 'ignored', branch };
  if (branch === repo.stack.trunk)
    return { kind: 'queue', action: 'sync_repo', branch };
  if (!repo.stack.branches.has(branch))
    return { kind: 'record', outcome: 'ignored', branch };
  if (repo.publishedHeads.get(branch) === push.after)
    return { kind: 'record', outcome: 'own_publish', branch };
  return repo.autoRestack
    ? { kind: 'queue', action: 'restack_subtree', branch, branchName: branch }
    : { kind: 'record', outcome: 'branch_moved', branch };
}
