import { ValidationError } from '../../../domain/domain-error';
import type {
  AdoptSkipReason,
  ExecutionPlan,
  JobAction,
  RefMove,
} from '../../../domain/events/job.events';
import {
  type AdoptCandidate,
  inferAdoptedParents,
  planAdopt,
} from '../../../domain/stack/adopt.decision';
import type { RepoEvent } from '../../../domain/events/repo.events';
import { validateActionRequest } from '../../../domain/job/job.request';
import {
  type GoneReason,
  goneReason,
} from '../../../domain/stack/gone-branch.decision';
import {
  decideReparent,
  reparentedStack,
} from '../../../domain/stack/reparent.decision';
import {
  planRestack,
  settledOnParent,
} from '../../../domain/stack/restack-planner';
import {
  type ReplayedStep,
  restackPlan,
} from '../../../domain/stack/restack.outcome';
import {
  parentFirstOrder,
  requireTracked,
  type Stack,
  subtreeOf,
  type TrackedBranch,
} from '../../../domain/stack/stack';
import {
  planSync,
  survivingParent,
  syncSummary,
} from '../../../domain/stack/sync.planner';
import {
  explicitTrackParent,
  nearestTrackedAncestor,
  planTrack,
  trackedAlready,
} from '../../../domain/stack/track.decision';
import { UnknownBranchError } from '../git.errors';
import type { GitEngine } from '../git-engine.port';
import { StackFactsReader } from './stack-facts.reader';

export interface OperationRequest {
  repoId: string;
  jobId: string;
  action: JobAction;
  branchName?: string;
  parentBranch?: string;
}

/** The job an operation runs for: its repository, and its id for the events it records. */
type Job = Pick<OperationRequest, 'repoId' | 'jobId'>;

/**
 * A restack asks the engine to read ahead the objects of this many steps at a time: enough
 * for one batch of reads to serve many picks, few enough that what it reads first is still
 * cached when the picks get to it.
 */
const READ_AHEAD_STEPS = 16;

/** Reports a step of the work, e.g. for job progress. */
export type ProgressReporter = (
  message: string,
  done?: number,
  total?: number,
) => void;

/**
 * The seven stack operations on top of the git engine. Each reads the remote heads as last
 * fetched (the caller fetches first), gathers the git facts the domain's decisions need,
 * replays what they plan in the object database, and returns the plan; it moves no ref.
 * `applyAndPublish` then moves them.
 */
export class StackOperations {
  private readonly facts: StackFactsReader;

  constructor(private readonly git: GitEngine) {
    this.facts = new StackFactsReader(git);
  }

  async run(
    request: OperationRequest,
    stack: Stack,
    progress: ProgressReporter = () => undefined,
  ): Promise<ExecutionPlan> {
    // The request rules run before anything reaches git, as when the job was requested.
    const valid = validateActionRequest(request);
    const heads = await this.git.remoteHeads(request.repoId);
    if (!heads.has(stack.trunk)) throw new UnknownBranchError(stack.trunk);
    const job: Job = { repoId: request.repoId, jobId: request.jobId };
    switch (valid.action) {
      case 'sync_repo':
        return this.sync(job, stack, heads, progress);
      case 'restack_repo':
        return this.restack(
          job,
          stack,
          heads,
          parentFirstOrder(stack),
          [],
          progress,
        );
      case 'restack_subtree':
        return this.restack(
          job,
          stack,
          heads,
          subtreeOf(stack, valid.branchName),
          [],
          progress,
        );
      case 'rebase_branch':
        requireTracked(stack, valid.branchName);
        return this.restack(
          job,
          stack,
          heads,
          [valid.branchName],
          [],
          progress,
        );
      case 'reparent_branch':
        return this.reparent(
          job,
          stack,
          heads,
          valid.branchName,
          valid.parentBranch,
          progress,
        );
      case 'register_existing_branch':
        return this.track(
          job.repoId,
          stack,
          heads,
          valid.branchName,
          valid.parentBranch,
        );
      case 'adopt_stack':
        return this.adopt(job.repoId, stack, heads, progress);
      case 'undo':
        // An undo plans from the event history, not from git: the job runner plans it.
        throw new Error(`undo job ${job.jobId} reached the stack operations`);
    }
  }

  /** Moves local refs in one transaction, then publishes with one leased atomic push. */
  async applyAndPublish(
    repoId: string,
    moves: readonly RefMove[],
  ): Promise<void> {
    if (moves.length === 0) return;
    const local = await this.git.localHeads(repoId);
    const localMoves = moves.map((m) => ({
      ...m,
      from: local.get(m.branch) ?? null,
    }));
    await this.git.moveRefs(repoId, localMoves);
    try {
      await this.git.publish(repoId, moves);
    } catch (error) {
      // The remote kept its refs: put ours back so that nothing is left half-moved.
      await this.git.moveRefs(
        repoId,
        localMoves.map((m) => ({ branch: m.branch, from: m.to, to: m.from })),
      );
      throw error;
    }
  }

  private async restack(
    job: Job,
    stack: Stack,
    heads: ReadonlyMap<string, string>,
    scope: readonly string[],
    before: readonly RepoEvent[],
    progress: ProgressReporter,
  ): Promise<ExecutionPlan> {
    const facts = await this.facts.restackFacts(
      job.repoId,
      stack,
      heads,
      scope,
    );
    const steps = planRestack(stack, scope, heads, facts);
    // Each step goes onto its parent's head as the steps before it left it.
    const newHeads = new Map(heads);
    const replayed: ReplayedStep[] = [];
    const stepAt = new Map(steps.map((s, i) => [s.branch, i]));
    // The restack's new objects are written together, once every step is replayed.
    await this.git.holdingObjects(job.repoId, async () => {
      for (const [i, step] of steps.entries()) {
        if (i % READ_AHEAD_STEPS === 0)
          await this.git.readAhead(
            job.repoId,
            steps.slice(i, i + READ_AHEAD_STEPS).map((s) => ({
              from: s.from,
              to: s.oldHead,
              // Known unless the parent is replayed in this window, before it.
              onto:
                (stepAt.get(s.parent) ?? -1) < i
                  ? newHeads.get(s.parent)
                  : undefined,
            })),
          );
        progress(
          `restacking ${step.branch} onto ${step.parent}`,
          i,
          steps.length,
        );
        const onto = newHeads.get(step.parent)!;
        const { head } = await this.git.replay(job.repoId, {
          branch: step.branch,
          from: step.from,
          to: step.oldHead,
          onto,
        });
        newHeads.set(step.branch, head);
        replayed.push({ step, onto, head });
      }
    });
    return restackPlan(
      replayed,
      job.jobId,
      before,
      settledOnParent(stack, scope, heads, facts, steps),
    );
  }

  private async reparent(
    job: Job,
    stack: Stack,
    heads: ReadonlyMap<string, string>,
    name: string,
    to: string,
    progress: ProgressReporter,
  ): Promise<ExecutionPlan> {
    const event = decideReparent(stack, name, to);
    const branch = requireTracked(stack, name);
    // Every branch involved must exist on the remote before git is asked anything.
    for (const b of [name, branch.parent, to])
      if (!heads.has(b)) throw new UnknownBranchError(b);
    // The branch's own commits are those above its base on the old parent.
    const own = await this.facts.branchFacts(job.repoId, branch, heads);
    const moved = reparentedStack(stack, event, own);
    return this.restack(
      job,
      moved,
      heads,
      subtreeOf(moved, name),
      [event],
      progress,
    );
  }

  private async track(
    repoId: string,
    stack: Stack,
    heads: ReadonlyMap<string, string>,
    name: string,
    requestedParent: string | undefined,
  ): Promise<ExecutionPlan> {
    const nothingToDo = trackedAlready(stack, name, requestedParent);
    if (nothingToDo) return nothingToDo;
    const head = heads.get(name);
    if (!head) throw new UnknownBranchError(name);
    const parent =
      requestedParent !== undefined
        ? explicitTrackParent(stack, name, requestedParent)
        : nearestTrackedAncestor(
            stack,
            heads,
            name,
            await this.git.commitsBetween(
              repoId,
              heads.get(stack.trunk)!,
              head,
            ),
          );
    const parentHead = heads.get(parent);
    if (!parentHead) throw new UnknownBranchError(parent);
    return planTrack(
      name,
      parent,
      parentHead,
      await this.git.mergeBase(repoId, parentHead, head),
    );
  }

  /**
   * Tracks every remote branch the stack does not track yet, each on the parent inferred as
   * tracking it alone would infer it; branches whose work is in trunk already are skipped.
   * Refused with `ADOPT.NO_BRANCHES` when the remote has no branch but trunk.
   */
  private async adopt(
    repoId: string,
    stack: Stack,
    heads: ReadonlyMap<string, string>,
    progress: ProgressReporter,
  ): Promise<ExecutionPlan> {
    const trunkHead = heads.get(stack.trunk)!;
    const names = [...heads.keys()].filter((n) => n !== stack.trunk).sort();
    if (names.length === 0) {
      throw new ValidationError(
        'ADOPT.NO_BRANCHES',
        `The remote has no branch but trunk (${stack.trunk}): there is nothing to adopt`,
      );
    }
    const untracked = names.filter((n) => !stack.branches.has(n));
    const candidates: AdoptCandidate[] = [];
    for (const [i, name] of untracked.entries()) {
      progress(`inspecting ${name}`, i, untracked.length);
      const head = heads.get(name)!;
      const merged = await this.mergedInto(repoId, head, trunkHead);
      candidates.push({
        name,
        commits: merged
          ? []
          : await this.git.commitsBetween(repoId, trunkHead, head),
        ...(merged ? { merged } : {}),
      });
    }
    const { adopted, skipped } = inferAdoptedParents(stack, heads, candidates);
    const based = [];
    for (const { branch, parent } of adopted) {
      const parentHead = heads.get(parent)!;
      const head = heads.get(branch)!;
      based.push({
        branch,
        parent,
        baseSha:
          (await this.git.mergeBase(repoId, parentHead, head)) ?? parentHead,
      });
    }
    return planAdopt(based, skipped);
  }

  /** Whether a branch's work is in trunk: its head (`merged`), or all its changes by patch. */
  private async mergedInto(
    repoId: string,
    head: string,
    trunkHead: string,
  ): Promise<AdoptSkipReason | undefined> {
    if (await this.git.isAncestor(repoId, head, trunkHead)) return 'merged';
    const base = await this.git.mergeBase(repoId, trunkHead, head);
    if (base === undefined) return undefined;
    return (await this.git.isMergedByPatch(repoId, base, head, trunkHead))
      ? 'squash_merged'
      : undefined;
  }

  private async sync(
    job: Job,
    stack: Stack,
    heads: ReadonlyMap<string, string>,
    progress: ProgressReporter,
  ): Promise<ExecutionPlan> {
    const gone = new Map<string, GoneReason>();
    // Parent-first, so that each branch is judged against the parent it keeps.
    for (const name of parentFirstOrder(stack)) {
      const branch: TrackedBranch = {
        ...stack.branches.get(name)!,
        parent: survivingParent(stack, name, gone),
      };
      const reason = goneReason(
        await this.facts.goneFacts(job.repoId, branch, heads, stack.trunk),
      );
      if (!reason) continue;
      progress(`${name} ${reason.replace(/_/g, ' ')}: untracking`);
      gone.set(name, reason);
    }
    const synced = planSync(stack, gone);
    const plan = await this.restack(
      job,
      synced.stack,
      heads,
      parentFirstOrder(synced.stack),
      synced.events,
      progress,
    );
    return { ...plan, summary: syncSummary(gone.size, plan.changed.length) };
  }
}
