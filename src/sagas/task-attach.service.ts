import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import {
  eventKind,
  FINAL_JOB_EVENTS,
  narrow,
  narrowAll,
  TASK_EVENTS,
} from '../domain/events/stackyard-event';
import { attachJobIdOf, attachJobRequest } from '../domain/task/attach-job';
import { jobModel } from '../domain/job/job.decider';
import { handleCommand } from '../infrastructure/event-store/handle-command';
import {
  FINAL_JOB_EVENT_TYPES,
  type FinalJobEvent,
} from '../domain/events/job.events';
import {
  FOLLOWER_CHECKPOINTS,
  type FollowerCheckpoints,
} from '../infrastructure/checkpoints/follower-checkpoints.port';
import {
  jobIdOfStream,
  jobStream,
  repoIdOfStream,
  taskIdOfStream,
  taskStream,
} from '../domain/streams';
import { foldEvents } from '../domain/decider';
import { taskDecider, taskModel } from '../domain/task/task.decider';
import { CLOCK, type Clock } from '../infrastructure/clock/clock';
import type { TaskState } from '../domain/task/task.state';
import {
  EVENT_STORE,
  type EventStore,
  type RecordedEvent,
} from '../infrastructure/event-store/event-store.port';
import {
  type Follower,
  foldThenFollow,
} from '../infrastructure/event-store/fold-then-follow';
import { RepoStateReader } from './repo-state.reader';
import { attachOutcome } from './task-attach.saga';

/** The final event of a job, as stored. */
type EndedJob = RecordedEvent & FinalJobEvent;

/** The saga's checkpoint: pending tasks by attach job, and each repo's last observed heads. */
interface TaskAttachCheckpoint {
  pending: Array<[jobId: string, taskId: string]>;
  heads: Array<[repoId: string, Array<[branch: string, sha: string]>]>;
}

/** Names the saga's checkpoint; bump the version when its state changes shape. */
const CHECKPOINT = { name: 'task-attach', version: 1 } as const;

/** What the saga reads: attach requests and outcomes, observed heads, and job ends. */
const SAGA_EVENTS = eventKind([
  'TaskBranchAttachRequested',
  'TaskBranchAttached',
  'TaskBranchAttachFailed',
  'RepoBranchesObserved',
  ...FINAL_JOB_EVENT_TYPES,
]);

/**
 * The process manager of branch-backed tasks: when a task's attach job ends, it records
 * the task's outcome (attached with head and parent, or failed with the job's code).
 *
 * At boot it folds the history (which tasks wait on which job, the last observed heads)
 * without acting, then settles what the history left open: a job that ended while the
 * service was down, or a task whose job was never queued (a stop between the request's two
 * appends). Recording is read → decide → append with the task stream's version, so running
 * twice records once.
 *
 * That state is checkpointed (with `checkpoints`): a start restores it and folds only the
 * events after the checkpoint. Whether a pending task's job has ended is not part of it: at
 * boot each pending task's job stream is read (there are as many as attach jobs in hand),
 * which finds a job that ended before the checkpoint as well as after it.
 */
@Injectable()
export class TaskAttachService
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  /** Attach job id → task id, for tasks still pending. */
  private readonly pending = new Map<string, string>();
  /** Repo id → branch → head at the last observation (one entry per repo). */
  private readonly heads = new Map<string, Map<string, string>>();
  private readonly repos: RepoStateReader;
  private follower: Follower | undefined;
  private readonly logger = new Logger('TaskAttach');
  private stopping = false;
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly retrying = new Set<Promise<void>>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional()
    @Inject(FOLLOWER_CHECKPOINTS)
    private readonly checkpoints: FollowerCheckpoints | null = null,
  ) {
    this.repos = new RepoStateReader(store);
  }

  /** How the start read the history: where from, and how many events it folded. */
  get started(): { foldedFrom: number; folded: number } | undefined {
    return this.follower;
  }

  /** Tasks pending on their attach job now. */
  get pendingCount(): number {
    return this.pending.size;
  }

  async onApplicationBootstrap(): Promise<void> {
    const checkpoints = this.checkpoints;
    this.follower = await foldThenFollow(this.store, {
      filter: { types: SAGA_EVENTS.types },
      fold: (e) => {
        this.fold(e, true);
      },
      caughtUp: () => this.settleWhatTheHistoryLeftOpen(),
      follow: async (batch) => {
        for (const e of batch) {
          const ended = this.fold(e, false);
          if (ended) await this.settleOrRetry(ended.taskId, ended.end, 0);
        }
      },
      name: 'task attach saga',
      logger: this.logger,
      ...(checkpoints
        ? {
            checkpoint: {
              checkpoints,
              ...CHECKPOINT,
              logger: this.logger,
              snapshot: (): TaskAttachCheckpoint => ({
                pending: [...this.pending],
                heads: [...this.heads].map(([repoId, heads]) => [
                  repoId,
                  [...heads],
                ]),
              }),
              restore: (state: TaskAttachCheckpoint) => {
                for (const [jobId, taskId] of state.pending)
                  this.pending.set(jobId, taskId);
                for (const [repoId, heads] of state.heads)
                  this.heads.set(repoId, new Map(heads));
              },
            },
          }
        : {}),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const timer of this.retries) clearTimeout(timer);
    await this.follower?.close();
    await Promise.all(this.retrying);
  }

  /**
   * For each task still pending, its attach job's stream says what is left: it ended (while
   * the service was down, or before the checkpoint with the task's outcome not recorded
   * yet), so the outcome is recorded now; it was never requested, so it is queued; or it is
   * still in hand, and its end will come live.
   */
  private async settleWhatTheHistoryLeftOpen(): Promise<void> {
    for (const [jobId, taskId] of [...this.pending]) {
      const events = await this.store.readStream(jobStream(jobId));
      if (events.length === 0) {
        await this.ensureJob(jobId, taskId);
        continue;
      }
      for (const event of events) {
        const end = narrow(event, FINAL_JOB_EVENTS);
        if (end) await this.settle(taskId, end);
      }
    }
  }

  /**
   * One task's failure to record must not stop the others': it is tried again with backoff
   * (1, 2, 4, 8, 16 s), and at the next boot if it still fails.
   */
  private async settleOrRetry(
    taskId: string,
    end: EndedJob,
    attempt: number,
  ): Promise<void> {
    try {
      await this.settle(taskId, end);
    } catch (error) {
      this.logger.error(`task ${taskId}: ${String(error)}`);
      if (this.stopping || attempt >= 5) return;
      const timer = setTimeout(
        () => {
          this.retries.delete(timer);
          const retry = this.settleOrRetry(taskId, end, attempt + 1);
          this.retrying.add(retry);
          void retry.finally(() => this.retrying.delete(retry));
        },
        1000 * 2 ** attempt,
      );
      this.retries.add(timer);
    }
  }

  /** Folds one event; returns the task to settle when a pending task's job just ended. */
  private fold(
    e: RecordedEvent,
    booting: boolean,
  ): { taskId: string; end: EndedJob } | undefined {
    const event = narrow(e, SAGA_EVENTS);
    switch (event?.type) {
      case 'TaskBranchAttachRequested':
        this.pending.set(event.data.jobId, taskIdOfStream(e.streamId)!);
        return undefined;
      case 'TaskBranchAttached':
      case 'TaskBranchAttachFailed': {
        this.pending.delete(attachJobIdOf(taskIdOfStream(e.streamId)!));
        return undefined;
      }
      case 'RepoBranchesObserved':
        this.heads.set(
          repoIdOfStream(e.streamId)!,
          new Map(event.data.branches.map((b) => [b.name, b.sha])),
        );
        return undefined;
      case 'RepoActionCompleted':
      case 'RepoActionFailed':
      case 'RepoActionCancelled': {
        const jobId = jobIdOfStream(e.streamId);
        const taskId =
          jobId === undefined ? undefined : this.pending.get(jobId);
        // At boot, the end is found again by reading the job's stream once caught up.
        if (jobId === undefined || taskId === undefined || booting)
          return undefined;
        return { taskId, end: event };
      }
      case undefined:
        return undefined;
    }
  }

  /**
   * Records the task's outcome from its job's end. The decider records an outcome only for
   * a task still pending, so a second run (or a race with another) records nothing.
   */
  private async settle(taskId: string, end: EndedJob): Promise<void> {
    const { state, orgId, correlationId } = await this.readTask(taskId);
    if (state.status !== 'pending_branch_attach') return;
    const branch = state.branchName!;
    const repoId = state.repoId!;
    const stack = (await this.repos.read(repoId)).stack;
    const headSha = this.heads.get(repoId)?.get(branch);
    const command = attachOutcome(end, branch, {
      ...(stack.branches.has(branch)
        ? { parent: stack.branches.get(branch)!.parent }
        : {}),
      ...(headSha !== undefined ? { headSha } : {}),
    });
    await handleCommand(this.store, taskStream(taskId), taskModel, command, {
      metadata: {
        correlationId,
        causationId: end.eventId,
        actor: 'system:task-attach',
        orgId,
        repoId,
        jobId: state.jobId!,
        at: this.clock.now().toISOString(),
      },
    });
  }

  /** Queues the task's attach job, which the request stopped before it could. */
  private async ensureJob(jobId: string, taskId: string): Promise<void> {
    const { state, orgId, correlationId } = await this.readTask(taskId);
    this.logger.warn(
      `task ${taskId}: queueing its missing attach job ${jobId}`,
    );
    const { command, metadata } = attachJobRequest(
      {
        orgId,
        repoId: state.repoId!,
        taskId,
        branchName: state.branchName!,
        parentBranch: state.parentBranch,
      },
      this.clock.now().toISOString(),
    );
    await handleCommand(this.store, jobStream(jobId), jobModel, command, {
      // The request that created the task set this job off: its correlation id goes on.
      metadata: { ...metadata, correlationId },
      expectNew: true,
    });
  }

  /** The task, its org, and its correlation id: its request's, or the task's id. */
  private async readTask(
    taskId: string,
  ): Promise<{ state: TaskState; orgId: string; correlationId: string }> {
    const events = await this.store.readStream(taskStream(taskId));
    const state = foldEvents(taskDecider, narrowAll(events, TASK_EVENTS));
    const orgId = events[0]?.metadata.orgId;
    // Every request records its org; a task without one would write events nobody may see.
    if (orgId === undefined) throw new Error(`task ${taskId} has no org`);
    return {
      state,
      orgId,
      correlationId: events[0]?.metadata.correlationId ?? taskId,
    };
  }
}
