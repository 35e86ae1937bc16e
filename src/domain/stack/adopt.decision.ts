import type {
  AdoptedBranch,
  AdoptSkipReason,
  ExecutionPlan,
  SkippedBranch,
} from '../events/job.events';
import type { BranchTracked } from '../events/repo.events';
import type { Stack } from './stack';
import { evolveStack } from './stack.evolve';
import { nearestTrackedAncestor } from './track.decision';

/** A remote branch `adopt_stack` may track, with what git says about it. */
export interface AdoptCandidate {
  name: string;
  /** Its commits above trunk's head, oldest first (merges left out). */
  commits: readonly string[];
  /** Set when its work is in trunk already: it is skipped. */
  merged?: AdoptSkipReason;
}

/**
 * The parent of every branch `adopt_stack` tracks, inferred as tracking one branch would
 * infer it: the nearest branch, tracked before or adopted in the same run, whose head is on
 * the branch's history, else trunk. Branches are taken in order of their commits above trunk
 * (then by name), so that a branch's ancestors are tracked before it is looked at; of
 * branches that share a head, the first by name is the parent of the others. Merged
 * branches are skipped with their reason.
 */
export function inferAdoptedParents(
  stack: Stack,
  heads: ReadonlyMap<string, string>,
  candidates: readonly AdoptCandidate[],
): { adopted: AdoptedBranch[]; skipped: SkippedBranch[] } {
  const skipped: SkippedBranch[] = candidates
    .flatMap((c) => (c.merged ? [{ branch: c.name, reason: c.merged }] : []))
    .sort((a, b) => compare(a.branch, b.branch));
  const order = candidates
    .filter((c) => !c.merged)
    .sort(
      (a, b) => a.commits.length - b.commits.length || compare(a.name, b.name),
    );
  const adopted: AdoptedBranch[] = [];
  let grown = stack;
  for (const candidate of order) {
    const parent = nearestTrackedAncestor(
      grown,
      heads,
      candidate.name,
      candidate.commits,
    );
    adopted.push({ branch: candidate.name, parent });
    // The base is only a placeholder here: the inference looks at parents and heads.
    grown = evolveStack(grown, {
      type: 'BranchTracked',
      data: { branch: candidate.name, parent, baseSha: '' },
    });
  }
  return { adopted, skipped };
}

/** The plan of `adopt_stack`: one `BranchTracked` per adopted branch, no ref moves. */
export function planAdopt(
  adopted: ReadonlyArray<AdoptedBranch & { baseSha: string }>,
  skipped: readonly SkippedBranch[],
): ExecutionPlan {
  const events: BranchTracked[] = adopted.map(
    ({ branch, parent, baseSha }) => ({
      type: 'BranchTracked',
      data: { branch, parent, baseSha },
    }),
  );
  return {
    moves: [],
    events,
    changed: [],
    adopted: adopted.map(({ branch, parent }) => ({ branch, parent })),
    skipped: [...skipped],
    summary: `adopted ${adopted.length} branch(es)${skipped.length > 0 ? `, skipped ${skipped.length} merged` : ''}`,
  };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
