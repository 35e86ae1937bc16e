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
 */
export class ExecuteStep implements JobStepHandler {
  constructor(
    private readonly repos: RepoStateReader,
    private readonly operations: StackOperations,
  ) {}

  async run({ jobId, request, progress }: JobStepContext): Promise<StepResult> {
    const { repoId } = request;
    const repo = await this.repos.readRegistered(repoId);
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
}
