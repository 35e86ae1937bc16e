/** Why a sync stops tracking a branch. */
export type GoneReason = 'deleted_on_remote' | 'merged';

/**
 * What git says about a tracked branch when a sync asks whether it is gone, gathered against
 * the branch's parent as the sync leaves it (its nearest ancestor that is not gone).
 */
export type GoneFacts =
  | { onRemote: false }
  | {
      onRemote: true;
      /** Its head is in trunk: merged with a merge commit, or fast-forwarded. */
      headInTrunk: boolean;
      /** It has commits of its own, above its own base. */
      hasOwnCommits: boolean;
      /** Every change of its own commits is in trunk already (squash or rebase merge). */
      ownChangesInTrunk: boolean;
    };

/**
 * Whether a branch is gone, and why: deleted on the remote, or merged into trunk by ancestry
 * or by patch. A branch with no commits of its own is only merged when trunk contains its head:
 * an empty range says nothing about patches, and a fresh branch must survive.
 */
export function goneReason(facts: GoneFacts): GoneReason | undefined {
  if (!facts.onRemote) return 'deleted_on_remote';
  if (facts.headInTrunk) return 'merged';
  if (facts.hasOwnCommits && facts.ownChangesInTrunk) return 'merged';
  return undefined;
}
