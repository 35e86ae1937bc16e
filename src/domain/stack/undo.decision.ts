import { ConflictError } from '../domain-error';
import type {
  BranchChange,
  ExecutionPlan,
  RefMove,
} from '../events/job.events';
import type {
  BranchReparented,
  BranchRestacked,
  BranchTracked,
  BranchUntracked,
  RepoEvent,
} from '../events/repo.events';
import { evolveStack } from './stack.evolve';
import { parentFirstOrder, type Stack, type TrackedBranch } from './stack';

/**
 * What a completed job changed: its published ref moves and the stack events it recorded,
 * against the stack as it was just before them.
 */
export interface JobEffect {
  jobId: string;
  plan: Pick<ExecutionPlan, 'moves' | 'events'>;
  /** The stack just before the job recorded its stack events. */
  before: Stack;
}

/** The stack as the job left it. */
const stackAfter = (effect: JobEffect): Stack =>
  effect.plan.events.reduce(evolveStack, effect.before);

/** Branches whose tracking (parent, base, tracked or not) the job's events touch. */
function touchedBranches(effect: JobEffect): string[] {
  const names = new Set<string>();
  for (const event of effect.plan.events) {
    switch (event.type) {
      case 'BranchTracked':
      case 'BranchReparented':
      case 'BranchRestacked':
      case 'BranchUntracked':
        names.add(event.data.branch);
        break;
      case 'RepoRegistered':
      case 'RepoBranchesObserved':
      case 'RepoWebhookSecretSet':
      case 'RepoWebhookSecretRemoved':
      case 'RepoAutoRestackSet':
        break;
      default: {
        const unhandled: never = event;
        return unhandled;
      }
    }
  }
  return [...names].sort();
}

const sameTracking = (
  a: TrackedBranch | undefined,
  b: TrackedBranch | undefined,
): boolean =>
  a === undefined || b === undefined
    ? a === b
    : a.parent === b.parent && a.baseSha === b.baseSha;

/**
 * Whether undoing the job would change anything: it moved a ref, or it left some branch's
 * tracking different from before. A restack that found everything in place recorded events
 * that changed nothing, and has nothing to undo.
 */
export function jobChangedSomething(effect: JobEffect): boolean {
  if (effect.plan.moves.some((m) => m.from !== m.to)) return true;
  const after = stackAfter(effect);
  return touchedBranches(effect).some(
    (name) =>
      !sameTracking(effect.before.branches.get(name), after.branches.get(name)),
  );
}

/**
 * The plan that puts back what a job changed: every ref it moved goes back to the value it
 * had (leased on the value the job gave it), and every branch whose tracking it changed gets
 * its parent and base back, or is tracked or untracked again. Undoing an undo redoes.
 *
 * Refused with `UNDO.BRANCHES_MOVED`, naming them, when any of those branches is no longer
 * as the job left it: its remote head moved (someone pushed) or its tracking changed (a
 * later job). Nothing is planned then, so nothing changes.
 */
export function planUndo(
  undoJobId: string,
  effect: JobEffect,
  now: Stack,
  remote: ReadonlyMap<string, string>,
): ExecutionPlan {
  const after = stackAfter(effect);
  const touched = touchedBranches(effect);
  const moves = effect.plan.moves.filter((m) => m.from !== m.to);
  const moved = new Set<string>();
  for (const m of moves)
    if ((remote.get(m.branch) ?? null) !== m.to) moved.add(m.branch);
  for (const name of touched)
    if (!sameTracking(now.branches.get(name), after.branches.get(name)))
      moved.add(name);
  if (moved.size > 0 && isPutBack(effect, touched, moves, now, remote)) {
    throw new ConflictError(
      'UNDO.ALREADY_UNDONE',
      `Job ${effect.jobId} is undone already: its branches are where they were before it; nothing was changed`,
      { jobId: effect.jobId },
    );
  }
  if (moved.size > 0) {
    const branches = [...moved].sort();
    throw new ConflictError(
      'UNDO.BRANCHES_MOVED',
      `Job ${effect.jobId} cannot be undone: ${branches.join(', ')} changed since it ran (pushed to, or changed by a later job); nothing was changed`,
      { jobId: effect.jobId, branches },
    );
  }
  const back: RefMove[] = moves.map((m) => ({
    branch: m.branch,
    from: m.to,
    to: m.from,
  }));
  const headAfterUndo = (name: string): string | undefined => {
    const move = back.find((m) => m.branch === name);
    return move ? (move.to ?? undefined) : remote.get(name);
  };
  const events = trackingBack(
    undoJobId,
    effect.jobId,
    touched,
    effect.before,
    now,
    remote,
    headAfterUndo,
  );
  const changed: BranchChange[] = back.flatMap((m) =>
    m.from !== null && m.to !== null
      ? [{ branch: m.branch, fromSha: m.from, toSha: m.to }]
      : [],
  );
  return {
    moves: back,
    events,
    changed,
    summary: `undid job ${effect.jobId}: ${back.length} branch(es) moved back, ${events.length} stack change(s) put back`,
  };
}

/** Whether everything the job changed is back as it was before it (an undo ran already). */
function isPutBack(
  effect: JobEffect,
  touched: readonly string[],
  moves: readonly RefMove[],
  now: Stack,
  remote: ReadonlyMap<string, string>,
): boolean {
  return (
    moves.every((m) => (remote.get(m.branch) ?? null) === m.from) &&
    touched.every((name) =>
      sameTracking(now.branches.get(name), effect.before.branches.get(name)),
    )
  );
}

/**
 * The stack events that give each touched branch its tracking from before the job: untracks
 * first, then tracks (parent-first in the old stack, so a parent is tracked before its
 * children), then reparents and bases.
 */
function trackingBack(
  undoJobId: string,
  undoneJobId: string,
  touched: readonly string[],
  before: Stack,
  now: Stack,
  remote: ReadonlyMap<string, string>,
  headAfterUndo: (name: string) => string | undefined,
): RepoEvent[] {
  const untracks: BranchUntracked[] = [];
  const tracks: BranchTracked[] = [];
  const reparents: BranchReparented[] = [];
  const restacks: BranchRestacked[] = [];
  const touchedSet = new Set(touched);
  const order = [
    ...parentFirstOrder(before).filter((n) => touchedSet.has(n)),
    ...touched.filter((n) => !before.branches.has(n)),
  ];
  for (const name of order) {
    const was = before.branches.get(name);
    const is = now.branches.get(name);
    if (!was && is) {
      untracks.push({
        type: 'BranchUntracked',
        data: { branch: name, reason: `undo of job ${undoneJobId}` },
      });
    } else if (was && !is) {
      tracks.push({
        type: 'BranchTracked',
        data: { branch: name, parent: was.parent, baseSha: was.baseSha },
      });
    } else if (was && is) {
      if (was.parent !== is.parent) {
        reparents.push({
          type: 'BranchReparented',
          data: { branch: name, from: is.parent, to: was.parent },
        });
      }
      const head = remote.get(name);
      const headBack = headAfterUndo(name);
      if (was.baseSha !== is.baseSha || head !== headBack) {
        restacks.push({
          type: 'BranchRestacked',
          data: {
            branch: name,
            baseSha: was.baseSha,
            fromSha: head ?? '',
            toSha: headBack ?? '',
            jobId: undoJobId,
          },
        });
      }
    }
  }
  return [...untracks, ...tracks, ...reparents, ...restacks];
}
