import type { JobStep } from '../../../domain/events/job.events';
import type { Clock } from '../../../infrastructure/clock/clock';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port';
import type { GitEngine } from '../../../infrastructure/git/git-engine.port';
import { StackOperations } from '../../../infrastructure/git/operations/stack-operations';
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
  /** One reader for all steps: it keeps each repo's state and reads only what is new. */
  private readonly repos: RepoStateReader;

  constructor(
    private readonly store: EventStore,
    private readonly git: GitEngine,
    private readonly clock: Clock,
  ) {
    this.repos = new RepoStateReader(store);
  }

  async run(step: JobStep, context: JobStepContext): Promise<StepResult> {
    try {
      // Every git process the step starts, down to the engine's, is killed when it aborts.
      return await this.handler(step, this.git.aborting(context.signal)).run(
        context,
      );
    } finally {
      // The killed processes have exited; the repo's lane is still this job's.
      if (context.signal.aborted)
        await this.git.cleanUpAfterAbort(context.request.repoId);
    }
  }

  /** The step's handler on the engine as the step sees it (its abort signal). */
  private handler(step: JobStep, git: GitEngine): JobStepHandler {
    switch (step) {
      case 'pre_sync':
        return new PreSyncStep(this.repos, git);
      case 'execute':
        return new ExecuteStep(
          this.repos,
          new StackOperations(git),
          git,
          this.store,
        );
      case 'publish':
        return new PublishStep(git, new StackOperations(git));
      case 'post_sync':
        return new PostSyncStep(this.repos, git, this.clock);
    }
  }
}
