import { DomainError } from '../../../domain/domain-error';
import type { ExecutionPlan } from '../../../domain/events/job.events';
import { jobRepoEventId } from '../../../domain/job/job-effect';
import type { GitEngine } from '../../../infrastructure/git/git-engine.port';
import { RemoteChangedError } from '../../../infrastructure/git/git.errors';
import type { StackOperations } from '../../../infrastructure/git/operations/stack-operations';
import type {
  JobStepContext,
  JobStepHandler,
  StepResult,
} from '../job-steps.port';

const notPublished = () =>
  new DomainError(
    'JOB.INTERRUPTED',
    'internal',
    'The service stopped during the last allowed attempt, before its push landed; the job is not tried again and nothing was published',
  );

/**
 * `publish`: moves the planned refs (one local transaction, one leased atomic push), then
 * records the stack events. Run again after a restart, a push that already happened is seen
 * in the remote-tracking refs and not repeated, and the events keep their ids. Settling a
 * cut-off last attempt, it never pushes: the events are recorded only if the remote already
 * holds the plan.
 */
export class PublishStep implements JobStepHandler {
  constructor(
    private readonly git: GitEngine,
    private readonly operations: StackOperations,
  ) {}

  async run(context: JobStepContext): Promise<StepResult> {
    const { jobId, plan } = context;
    if (!plan) throw new Error(`job ${jobId} reached publish without a plan`);
    const { repoId } = context.request;
    if (context.settling && plan.moves.length > 0) {
      // The cut-off push may have landed without its git hearing so: ask the remote.
      await this.git.fetch(repoId);
      if (!(await this.published(repoId, plan))) throw notPublished();
    } else if (plan.moves.length > 0 && !(await this.published(repoId, plan))) {
      try {
        await this.operations.applyAndPublish(repoId, plan.moves);
      } catch (error) {
        // A push of an earlier attempt may have landed after all (its process outlived
        // the one that started it): the remote then holds exactly our plan.
        if (!(error instanceof RemoteChangedError)) throw error;
        await this.git.fetch(repoId);
        if (!(await this.published(repoId, plan))) throw error;
      }
    }
    if (plan.events.length > 0) {
      await context.recordRepoEvents(
        plan.events.map((event, i) => ({
          ...event,
          // A re-run appends them only once; an undo finds the job's first one by its id.
          eventId: jobRepoEventId(jobId, i),
        })),
      );
    }
    return {
      summary:
        plan.moves.length > 0
          ? `published ${plan.moves.length} branch(es)`
          : 'nothing to publish',
    };
  }

  /** Whether the remote-tracking refs already hold every planned move. */
  private async published(
    repoId: string,
    plan: ExecutionPlan,
  ): Promise<boolean> {
    const remote = await this.git.remoteHeads(repoId);
    return plan.moves.every((m) => (remote.get(m.branch) ?? null) === m.to);
  }
}
