import type { JobStep } from '../../../domain/events/job.events';
import type { Clock } from '../../../infrastructure/clock/clock';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port';
import type { GitEngine } from '../../../infrastructure/git/git-engine.port';
import type { StackOperations } from '../../../infrastructure/git/operations/stack-operations';
import type {
  JobStepContext,
  JobStepHandler,
  JobSteps,
  StepResult,
} from '../job-steps.port';
import { RepoStateReader } from '../../repo-state.reader';
import { ExecuteStep } from './execute.step';
import { PostSyncStep } from './post-sync.step';
import { PreSyncStep } from './pre-sync.step';
import { PublishStep } from './publish.step';

/** The steps of a job on the repository's git clone; the one `JobSteps` the app runs. */
export class GitJobSteps implements JobSteps {
  private readonly steps: Readonly<Record<JobStep, JobStepHandler>>;

  constructor(
    store: EventStore,
    private readonly git: GitEngine,
    operations: StackOperations,
    clock: Clock,
  ) {
    // One reader for all steps: it keeps each repo's state and reads only what is new.
    const repos = new RepoStateReader(store);
    this.steps = {
      pre_sync: new PreSyncStep(repos, git),
      execute: new ExecuteStep(repos, operations, git, store),
      publish: new PublishStep(git, operations),
      post_sync: new PostSyncStep(repos, git, clock),
    };
  }

  async run(step: JobStep, context: JobStepContext): Promise<StepResult> {
    try {
      // Every git process the step starts, down to the engine's, is killed when it aborts.
      return await this.git.withAbortSignal(
        context.request.repoId,
        context.signal,
        () => this.steps[step].run(context),
      );
    } finally {
      // The killed processes have exited; the repo's lane is still this job's.
      if (context.signal.aborted)
        await this.git.cleanUpAfterAbort(context.request.repoId);
    }
  }
}
