import type { Stack, TrackedBranch } from './stack';
import { parentFirstOrder } from './stack';

/** What git says about one branch, gathered by the engine before planning. */
export interface BranchFacts {
  head: string;
  /** merge-base(head of parent, head of branch). */
  mergeBase: string;
  /**
   * The recorded base is an ancestor of the branch and no older than the merge-base: the
   * parent was rewritten after the branch was stacked on it, so only the commits above the
   * recorded base are the branch's own.
   */
  recordedBaseUsable: boolean;
}

/** One branch to replay: the commits (from..oldHead] onto the new head of `parent`. */
export interface RestackStep {
  branch: string;
  parent: string;
  from: string;
  oldHead: string;
}

/**
 * Which branches of `scope` need a restack, and from where, in parent-first order.
 *
 * A branch needs one when its parent's head is not its merge-base with the parent (the parent
 * moved on), when its parent is itself being restacked, or when its recorded base is usable
 * and is not the parent's head: then commits that are not the branch's own lie between the
 * two (a branch reparented onto its grandparent still carries the old parent's commits,
 * although the new parent is an ancestor). Pure: every git fact comes in.
 */
export function planRestack(
  stack: Stack,
  scope: Iterable<string>,
  heads: ReadonlyMap<string, string>,
  facts: ReadonlyMap<string, BranchFacts>,
): RestackStep[] {
  const steps: RestackStep[] = [];
  const moving = new Set<string>();
  for (const name of parentFirstOrder(stack, scope)) {
    const branch = stack.branches.get(name)!;
    const fact = facts.get(name);
    const parentHead = heads.get(branch.parent);
    if (!fact || parentHead === undefined) continue;
    const carriesForeignCommits =
      fact.recordedBaseUsable && branch.baseSha !== parentHead;
    if (
      !moving.has(branch.parent) &&
      !carriesForeignCommits &&
      !needsRestack(parentHead, fact.mergeBase)
    )
      continue;
    steps.push({
      branch: name,
      parent: branch.parent,
      from: ownBase(branch, fact),
      oldHead: fact.head,
    });
    moving.add(name);
  }
  return steps;
}

/**
 * A branch of the scope that the plan leaves where it is although its recorded base is not its
 * parent's head: its merge-base with the parent is the parent's head already (rebased by hand
 * onto it, or tracked where it stood), so nothing is replayed and only the record is behind.
 */
export interface SettledBranch {
  branch: string;
  /** The parent's head: the base recorded from now on. */
  base: string;
  /** The branch's head, which stays as it is. */
  head: string;
}

/**
 * The branches of `scope` that sit on their parent's head while their recorded base says
 * otherwise, among those `steps` (the plan for the same facts) does not replay. Their base is
 * recorded as the parent's head, as git-spice reconciles a base it finds moved: else the flag
 * "needs restack" stays for ever, and a later restack would take the stale base for the start
 * of the branch's own commits. Pure: every git fact comes in.
 */
export function settledOnParent(
  stack: Stack,
  scope: Iterable<string>,
  heads: ReadonlyMap<string, string>,
  facts: ReadonlyMap<string, BranchFacts>,
  steps: readonly RestackStep[],
): SettledBranch[] {
  const replayed = new Set(steps.map((s) => s.branch));
  const settled: SettledBranch[] = [];
  for (const name of parentFirstOrder(stack, scope)) {
    const branch = stack.branches.get(name)!;
    const fact = facts.get(name);
    const parentHead = heads.get(branch.parent);
    if (!fact || parentHead === undefined || replayed.has(name)) continue;
    if (branch.baseSha === parentHead) continue;
    if (needsRestack(parentHead, fact.mergeBase)) continue;
    settled.push({ branch: name, base: parentHead, head: fact.head });
  }
  return settled;
}

/**
 * Where the branch's own commits start: its recorded base when usable, else its merge-base
 * with the parent. Commits in (own base..head] are the branch's; the rest are its parent's.
 */
export function ownBase(branch: TrackedBranch, facts: BranchFacts): string {
  return facts.recordedBaseUsable ? branch.baseSha : facts.mergeBase;
}

/** The display rule: a branch needs a restack when its parent's head is not its merge-base. */
export function needsRestack(parentHead: string, mergeBase: string): boolean {
  return parentHead !== mergeBase;
}
