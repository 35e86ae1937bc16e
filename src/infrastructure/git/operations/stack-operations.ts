import { ConflictError, ValidationError } from '../../../domain/domain-error';
import type {
  BranchChange,
  JobAction,
} from '../../../domain/events/job.events';
import type {
  BranchReparented,
  BranchRestacked,
  BranchTracked,
  BranchUntracked,
  RepoEvent,
} from '../../../domain/events/repo.events';
import { assertBranchName } from '../../../domain/stack/branch-name';
import {
  type BranchFacts,
  planRestack,
} from '../../../domain/stack/restack-planner';
import {
  isInSubtree,
  parentFirstOrder,
  requireTracked,
  type Stack,
  subtreeOf,
} from '../../../domain/stack/stack';
import { evolveStack } from '../../../domain/stack/stack.evolve';
import { UnknownBranchError } from '../git.errors';
import type { GitEngine, RefMove } from '../git-engine.port';

export interface OperationRequest {
  repoId: string;
  jobId: string;
  action: JobAction;
  branchName?: string;
  parentBranch?: string;
}

/** What an operation decided: refs to move (from = the remote's head we read) and events. */
export interface OperationOutcome {
  moves: RefMove[];
  events: RepoEvent[];
  changed: BranchChange[];
  summary: string;
}

/** Reports a step of the work, e.g. for job progress. */
export type ProgressReporter = (
  message: string,
  done?: number,
  total?: number,
) => void;

/**
 * The six stack operations on top of the git engine. Each reads the remote heads as last
 * fetched (the caller fetches first), decides, replays in the object database, and returns
 * the ref moves and stack events; it moves no ref. `applyAndPublish` then moves them.
 */
export class StackOperations {
  constructor(private readonly git: GitEngine) {}

  async run(
    request: OperationRequest,
    stack: Stack,
    progress: ProgressReporter = () => undefined,
  ): Promise<OperationOutcome> {
    // Names are checked before anything reaches git.
    if (request.branchName !== undefined) assertBranchName(request.branchName);
    if (request.parentBranch !== undefined)
      assertBranchName(request.parentBranch, 'parentBranch');
    const branch = (): string => {
      if (request.branchName === undefined) {
        throw new ValidationError(
          'REPO_ACTION.BRANCH_REQUIRED',
          `branchName is required for ${request.action}`,
        );
      }
      return request.branchName;
    };
    if (request.action !== 'sync_repo' && request.action !== 'restack_repo')
      branch();
    const heads = await this.git.remoteHeads(request.repoId);
    if (!heads.has(stack.trunk)) throw new UnknownBranchError(stack.trunk);
    switch (request.action) {
      case 'sync_repo':
        return this.sync(request, stack, heads, progress);
      case 'restack_repo':
        return this.restack(
          request,
          stack,
          heads,
          parentFirstOrder(stack),
          [],
          progress,
        );
      case 'restack_subtree':
        return this.restack(
          request,
          stack,
          heads,
          subtreeOf(stack, branch()),
          [],
          progress,
        );
      case 'rebase_branch':
        requireTracked(stack, branch());
        return this.restack(request, stack, heads, [branch()], [], progress);
      case 'reparent_branch':
        return this.reparent(request, stack, heads, branch(), progress);
      case 'register_existing_branch':
        return this.track(request, stack, heads, branch());
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
    request: OperationRequest,
    stack: Stack,
    heads: ReadonlyMap<string, string>,
    scope: readonly string[],
    before: RepoEvent[],
    progress: ProgressReporter,
  ): Promise<OperationOutcome> {
    const facts = await this.facts(request.repoId, stack, heads, scope);
    const steps = planRestack(stack, scope, heads, facts);
    const newHeads = new Map(heads);
    const events: RepoEvent[] = [...before];
    const moves: RefMove[] = [];
    for (const [i, step] of steps.entries()) {
      progress(
        `restacking ${step.branch} onto ${step.parent}`,
        i,
        steps.length,
      );
      const onto = newHeads.get(step.parent)!;
      const result = await this.git.replay(request.repoId, {
        branch: step.branch,
        from: step.from,
        to: step.oldHead,
        onto,
      });
      newHeads.set(step.branch, result.head);
      events.push(
        restacked(step.branch, onto, step.oldHead, result.head, request.jobId),
      );
      if (result.head !== step.oldHead) {
        moves.push({
          branch: step.branch,
          from: step.oldHead,
          to: result.head,
        });
      }
    }
    const changed = moves.map((m) => ({
      branch: m.branch,
      fromSha: m.from!,
      toSha: m.to!,
    }));
    return {
      moves,
      events,
      changed,
      summary:
        steps.length === 0
          ? 'nothing to restack'
          : `restacked ${steps.length} branch(es)`,
    };
  }

  /** Git facts the planner needs, gathered for all branches of `scope` at once. */
  private async facts(
    repoId: string,
    stack: Stack,
    heads: ReadonlyMap<string, string>,
    scope: readonly string[],
  ): Promise<Map<string, BranchFacts>> {
    const entries = await Promise.all(
      scope.map(async (name): Promise<[string, BranchFacts]> => {
        const branch = requireTracked(stack, name);
        const head = heads.get(name);
        if (!head) throw new UnknownBranchError(name);
        const parentHead = heads.get(branch.parent);
        if (!parentHead) throw new UnknownBranchError(branch.parent);
        return [
          name,
          await this.factsOf(repoId, branch.baseSha, head, parentHead),
        ];
      }),
    );
    return new Map(entries);
  }

  private async factsOf(
    repoId: string,
    baseSha: string,
    head: string,
    parentHead: string,
  ): Promise<BranchFacts> {
    // The usual case, a branch still on its parent's head: one ancestry question suffices.
    if (
      baseSha === parentHead &&
      (await this.git.isAncestor(repoId, parentHead, head))
    ) {
      return { head, mergeBase: parentHead, recordedBaseUsable: false };
    }
    const mergeBase =
      (await this.git.mergeBase(repoId, parentHead, head)) ?? parentHead;
    const recordedBaseUsable =
      baseSha !== mergeBase &&
      (await this.git.isAncestor(repoId, baseSha, head).catch(() => false)) &&
      (await this.git.isAncestor(repoId, mergeBase, baseSha));
    return { head, mergeBase, recordedBaseUsable };
  }

  private async reparent(
    request: OperationRequest,
    stack: Stack,
    heads: ReadonlyMap<string, string>,
    name: string,
    progress: ProgressReporter,
  ): Promise<OperationOutcome> {
    const branch = requireTracked(stack, name);
    const to = request.parentBranch;
    if (to === undefined) {
      throw new ValidationError(
        'REPO_ACTION.PARENT_REQUIRED',
        'parentBranch is required for reparent_branch',
      );
    }
    if (to === name) {
      throw new ValidationError(
        'STACK.REPARENT_ONTO_ITSELF',
        `${name} cannot be its own parent`,
      );
    }
    if (to !== stack.trunk) requireTracked(stack, to);
    if (isInSubtree(stack, name, to)) {
      throw new ConflictError(
        'STACK.REPARENT_ONTO_DESCENDANT',
        `${name} cannot move onto ${to}, which is stacked on it`,
        { branch: name, parent: to },
      );
    }
    const head = heads.get(name);
    const oldParentHead = heads.get(branch.parent);
    if (!head) throw new UnknownBranchError(name);
    if (!oldParentHead) throw new UnknownBranchError(branch.parent);
    if (!heads.has(to)) throw new UnknownBranchError(to);
    // The branch's own commits are those above its base on the old parent.
    const own = await this.factsOf(
      request.repoId,
      branch.baseSha,
      head,
      oldParentHead,
    );
    const ownBase = own.recordedBaseUsable ? branch.baseSha : own.mergeBase;
    const event: BranchReparented = {
      type: 'BranchReparented',
      data: { branch: name, from: branch.parent, to },
    };
    const moved = evolveStack(stack, event);
    const restackedBranch = new Map(moved.branches).set(name, {
      ...moved.branches.get(name)!,
      baseSha: ownBase,
    });
    return this.restack(
      request,
      { ...moved, branches: restackedBranch },
      heads,
      subtreeOf(moved, name),
      [event],
      progress,
    );
  }

  private async track(
    request: OperationRequest,
    stack: Stack,
    heads: ReadonlyMap<string, string>,
    name: string,
  ): Promise<OperationOutcome> {
    if (name === stack.trunk || stack.branches.has(name)) {
      throw new ConflictError(
        'STACK.ALREADY_TRACKED',
        `Branch ${name} is already tracked`,
        {
          branch: name,
        },
      );
    }
    const head = heads.get(name);
    if (!head) throw new UnknownBranchError(name);
    let parent = request.parentBranch;
    if (parent !== undefined) {
      if (parent === name) {
        throw new ValidationError(
          'STACK.REPARENT_ONTO_ITSELF',
          `${name} cannot be its own parent`,
        );
      }
      if (parent !== stack.trunk) requireTracked(stack, parent);
    } else {
      parent = await this.nearestTrackedAncestor(
        request.repoId,
        stack,
        heads,
        name,
        head,
      );
    }
    const parentHead = heads.get(parent);
    if (!parentHead) throw new UnknownBranchError(parent);
    const baseSha =
      (await this.git.mergeBase(request.repoId, parentHead, head)) ??
      parentHead;
    const event: BranchTracked = {
      type: 'BranchTracked',
      data: { branch: name, parent, baseSha },
    };
    return {
      moves: [],
      events: [event],
      changed: [],
      summary: `tracking ${name} on ${parent}`,
    };
  }

  /** The first tracked branch head met walking down from `head` towards trunk, else trunk. */
  private async nearestTrackedAncestor(
    repoId: string,
    stack: Stack,
    heads: ReadonlyMap<string, string>,
    name: string,
    head: string,
  ): Promise<string> {
    const byHead = new Map<string, string>();
    for (const b of parentFirstOrder(stack)) {
      const h = heads.get(b);
      if (h && b !== name) byHead.set(h, b);
    }
    const trunkHead = heads.get(stack.trunk)!;
    for (const commit of (
      await this.git.commitsBetween(repoId, trunkHead, head)
    ).reverse()) {
      const owner = byHead.get(commit);
      if (owner) return owner;
    }
    return stack.trunk;
  }

  private async sync(
    request: OperationRequest,
    stack: Stack,
    heads: ReadonlyMap<string, string>,
    progress: ProgressReporter,
  ): Promise<OperationOutcome> {
    const trunkHead = heads.get(stack.trunk)!;
    const events: RepoEvent[] = [];
    let current = stack;
    for (const name of parentFirstOrder(stack)) {
      const reason = await this.goneReason(
        request.repoId,
        current,
        heads,
        name,
        trunkHead,
      );
      if (!reason) continue;
      progress(`${name} ${reason.replace(/_/g, ' ')}: untracking`);
      const gone = current.branches.get(name)!;
      // Children move down to the next surviving branch, keeping their recorded base, so
      // that only their own commits are replayed.
      for (const child of [...current.branches.values()].filter(
        (b) => b.parent === name,
      )) {
        const moved: BranchReparented = {
          type: 'BranchReparented',
          data: { branch: child.name, from: name, to: gone.parent },
        };
        events.push(moved);
        current = evolveStack(current, moved);
      }
      const untracked: BranchUntracked = {
        type: 'BranchUntracked',
        data: { branch: name, reason },
      };
      events.push(untracked);
      current = evolveStack(current, untracked);
    }
    const outcome = await this.restack(
      request,
      current,
      heads,
      parentFirstOrder(current),
      events,
      progress,
    );
    const untrackedCount = events.filter(
      (e) => e.type === 'BranchUntracked',
    ).length;
    return {
      ...outcome,
      summary: `synced: ${untrackedCount} branch(es) untracked, ${outcome.changed.length} restacked`,
    };
  }

  private async goneReason(
    repoId: string,
    stack: Stack,
    heads: ReadonlyMap<string, string>,
    name: string,
    trunkHead: string,
  ): Promise<'deleted_on_remote' | 'merged' | undefined> {
    const head = heads.get(name);
    if (!head) return 'deleted_on_remote';
    if (await this.git.isAncestor(repoId, head, trunkHead)) return 'merged';
    const branch = stack.branches.get(name)!;
    const parentHead = heads.get(branch.parent);
    if (!parentHead) return undefined;
    const facts = await this.factsOf(repoId, branch.baseSha, head, parentHead);
    const from = facts.recordedBaseUsable ? branch.baseSha : facts.mergeBase;
    if (from === head) return undefined;
    return (await this.git.isMergedByPatch(repoId, from, head, trunkHead))
      ? 'merged'
      : undefined;
  }
}

function restacked(
  branch: string,
  baseSha: string,
  fromSha: string,
  toSha: string,
  jobId: string,
): BranchRestacked {
  return {
    type: 'BranchRestacked',
    data: { branch, baseSha, fromSha, toSha, jobId },
  };
}
