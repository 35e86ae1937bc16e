import type { GoneFacts } from '../../../domain/stack/gone-branch.decision';
import {
  type BranchFacts,
  needsRestack,
  ownBase,
} from '../../../domain/stack/restack-planner';
import {
  requireTracked,
  type Stack,
  type TrackedBranch,
} from '../../../domain/stack/stack';
import { UnknownBranchError } from '../git.errors';
import type { GitEngine } from '../git-engine.port';

/**
 * Reads from git the facts the stack decisions are fed with. It only asks questions: it
 * decides nothing and writes nothing. `heads` are the remote's heads as last fetched.
 */
export class StackFactsReader {
  constructor(private readonly git: GitEngine) {}

  /** The restack planner's facts for every branch of `scope`, gathered at once. */
  async restackFacts(
    repoId: string,
    stack: Stack,
    heads: ReadonlyMap<string, string>,
    scope: readonly string[],
  ): Promise<Map<string, BranchFacts>> {
    const entries = await Promise.all(
      scope.map(async (name): Promise<[string, BranchFacts]> => {
        const branch = requireTracked(stack, name);
        return [name, await this.branchFacts(repoId, branch, heads)];
      }),
    );
    return new Map(entries);
  }

  /** What git says about `branch` against the head of the parent it names. */
  async branchFacts(
    repoId: string,
    branch: TrackedBranch,
    heads: ReadonlyMap<string, string>,
  ): Promise<BranchFacts> {
    const head = heads.get(branch.name);
    if (!head) throw new UnknownBranchError(branch.name);
    const parentHead = heads.get(branch.parent);
    if (!parentHead) throw new UnknownBranchError(branch.parent);
    // The usual case, a branch still on its parent's head: one ancestry question suffices.
    if (
      branch.baseSha === parentHead &&
      (await this.git.isAncestor(repoId, parentHead, head))
    ) {
      return { head, mergeBase: parentHead, recordedBaseUsable: false };
    }
    const mergeBase =
      (await this.git.mergeBase(repoId, parentHead, head)) ?? parentHead;
    // A recorded base that git no longer has is simply not usable.
    const recordedBaseUsable =
      branch.baseSha !== mergeBase &&
      (await this.git
        .isAncestor(repoId, branch.baseSha, head)
        .catch(() => false)) &&
      (await this.git.isAncestor(repoId, mergeBase, branch.baseSha));
    return { head, mergeBase, recordedBaseUsable };
  }

  /**
   * Whether each tracked branch sits on its parent's head: its merge-base with the parent is
   * that head. It is what the overview's "needs restack" flag is made of, asked of git when
   * branches are observed, since the read side never runs git. A branch whose head or
   * parent's head `heads` lacks is left out: nothing can be said of it.
   */
  async onParentHead(
    repoId: string,
    stack: Stack,
    heads: ReadonlyMap<string, string>,
  ): Promise<Map<string, boolean>> {
    const answers = await Promise.all(
      [...stack.branches.values()].map(
        async (branch): Promise<[string, boolean] | undefined> => {
          const head = heads.get(branch.name);
          const parentHead = heads.get(branch.parent);
          if (head === undefined || parentHead === undefined) return undefined;
          const mergeBase = await this.git.mergeBase(repoId, parentHead, head);
          // Histories with nothing in common: the branch is not on its parent at all.
          const on =
            mergeBase !== undefined && !needsRestack(parentHead, mergeBase);
          return [branch.name, on];
        },
      ),
    );
    return new Map(answers.filter((a) => a !== undefined));
  }

  /**
   * Whether `branch` is still on the remote and how much of it trunk holds, against the parent
   * `branch` names (the one a sync leaves it). Every question is asked, so that the decision
   * alone says which answers matter.
   */
  async goneFacts(
    repoId: string,
    branch: TrackedBranch,
    heads: ReadonlyMap<string, string>,
    trunk: string,
  ): Promise<GoneFacts> {
    const head = heads.get(branch.name);
    if (!head) return { onRemote: false };
    const trunkHead = heads.get(trunk);
    if (!trunkHead) throw new UnknownBranchError(trunk);
    const [headInTrunk, facts] = await Promise.all([
      this.git.isAncestor(repoId, head, trunkHead),
      this.branchFacts(repoId, branch, heads),
    ]);
    const from = ownBase(branch, facts);
    return {
      onRemote: true,
      headInTrunk,
      hasOwnCommits: from !== head,
      ownChangesInTrunk: await this.git.isMergedByPatch(
        repoId,
        from,
        head,
        trunkHead,
      ),
    };
  }
}
