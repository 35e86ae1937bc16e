import { ConflictError } from '../../../domain/domain-error';
import type { RefMove } from '../../../domain/events/job.events';
import { planUndo } from '../../../domain/stack/undo.decision';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port';
import { readUndoTarget } from '../../../infrastructure/event-store/undo-target.reader';
import type { GitEngine } from '../../../infrastructure/git/git-engine.port';
import { GitCommandError } from '../../../infrastructure/git/git.errors';
import type { StackOperations } from '../../../infrastructure/git/operations/stack-operations';
import type {
  JobStepContext,
  JobStepHandler,
  StepResult,
} from '../job-steps.port';
import type { RepoStateReader } from '../../repo-state.reader';

/**
 * `execute`: the stack operation decides and replays in the object database, and moves no
 * ref. Its plan is recorded with the step's completion, so `publish` never decides twice.
 * An `undo` plans from the history instead: the moves and stack events that put back what
 * the job it names changed.
 */
export class ExecuteStep implements JobStepHandler {
  constructor(
    private readonly repos: RepoStateReader,
    private readonly operations: StackOperations,
    private readonly git: GitEngine,
    private readonly store: EventStore,
  ) {}

  async run({
    jobId,
    request,
    progress,
    plan: recorded,
  }: JobStepContext): Promise<StepResult> {
    const { repoId } = request;
    // Run again on another instance after a plan was recorded: if the remote already holds
    // it (the push of the instance that made it landed), it stays the job's plan.
    if (recorded && recorded.moves.length > 0) {
      const remote = await this.git.remoteHeads(repoId);
      if (recorded.moves.every((m) => (remote.get(m.branch) ?? null) === m.to))
        return { summary: recorded.summary, plan: recorded };
    }
    const repo = await this.repos.readRegistered(repoId);
    if (request.action === 'undo') {
      // Checked again here: the job to put back is read from the history, and the remote
      // heads as the pre-sync fetched them must still be what that job left.
      const { effect } = await readUndoTarget(
        this.store,
        request.undoOf ?? '',
        request.orgId,
      );
      const plan = planUndo(
        jobId,
        effect,
        repo.stack,
        await this.git.remoteHeads(repoId),
      );
      await this.assertCommitsKept(repoId, plan.moves);
      return { summary: plan.summary, plan };
    }
    const outcome = await this.operations.run(
      {
        repoId,
        jobId,
        action: request.action,
        ...(request.branchName !== undefined
          ? { branchName: request.branchName }
          : {}),
        ...(request.parentBranch !== undefined
          ? { parentBranch: request.parentBranch }
          : {}),
      },
      repo.stack,
      progress,
    );
    return { summary: outcome.summary, plan: outcome };
  }

  /**
   * The commits an undo moves branches back to must still be in the clone (its reflogs keep
   * them; a clone made again after an eviction has lost them): `UNDO.COMMITS_GONE` otherwise,
   * before anything moves.
   */
  private async assertCommitsKept(
    repoId: string,
    moves: readonly RefMove[],
  ): Promise<void> {
    const gone: string[] = [];
    for (const { branch, to } of moves) {
      if (to === null) continue;
      try {
        await this.git.mergeBase(repoId, to, to);
      } catch (error) {
        if (!(error instanceof GitCommandError)) throw error;
        gone.push(branch);
      }
    }
    if (gone.length > 0) {
      throw new ConflictError(
        'UNDO.COMMITS_GONE',
        `The commits ${gone.join(', ')} had before the job are no longer in the service's clone; nothing was changed`,
        { branches: gone },
      );
    }
  }
}
