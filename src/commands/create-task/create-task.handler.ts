import { Inject } from '@nestjs/common';
import { narrowAll, TASK_EVENTS } from '../../domain/events/stackyard-event';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { v5 as uuidv5 } from 'uuid';
import { NotFoundError } from '../../domain/domain-error';
import { taskStream } from '../../domain/streams';
import { foldEvents } from '../../domain/decider';
import {
  type BranchAttachment,
  branchTaken,
  taskDecider,
} from '../../domain/task/task.decider';
import {
  sameTaskRequest,
  validateTaskRequest,
  type ValidTaskRequest,
} from '../../domain/task/task.request';
import { ConcurrencyError } from '../../infrastructure/event-store/event-store.errors';
import {
  EVENT_STORE,
  type EventStore,
  type RecordedEvent,
} from '../../infrastructure/event-store/event-store.port';
import { ProjectionRunnerService } from '../../projections/projection-runner.service';
import { taskFromStream } from '../../projections/task/task-from-stream';
import { RepoEntity } from '../../read-models/repo/repo.entity';
import { RepoDirectory } from '../../read-models/repo/repo-directory';
import { TaskEntity } from '../../read-models/task/task.entity';
import { toTaskResource } from '../../read-models/task/task.resource';
import { requestMetadata } from '../event-metadata';
import { idempotencyKeyReused } from '../idempotency';
import { attachJobIdOf, requestAttachJob } from './attach-job';
import {
  CreateTaskCommand,
  type CreateTaskResult,
} from './create-task.command';

/** Namespace of task ids, derived from (org, repo, branch, generation). */
const TASK_IDS = 'c2a41e07-5b9d-4f3a-8e61-0d7f3b9a24c5';

/**
 * Creates a branch-backed task without waiting for git. The task is `ready` at once when the
 * cached overview knows the branch as tracked with the head last seen on the remote;
 * otherwise it is `pending_branch_attach` and a `register_existing_branch` job attaches it.
 *
 * One branch backs at most one live task. The task id is derived from (org, repo, branch,
 * generation) and its stream must not exist yet, so two requests for one branch cannot
 * both win; a task whose attach failed frees its branch, and the next request takes the
 * next generation.
 */
@CommandHandler(CreateTaskCommand)
export class CreateTaskHandler implements ICommandHandler<CreateTaskCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly repos: RepoDirectory,
    private readonly db: DataSource,
    private readonly projections: ProjectionRunnerService,
  ) {}

  async execute(command: CreateTaskCommand): Promise<CreateTaskResult> {
    const { orgId, repoId, idempotencyKey } = command;
    const repo = this.repos.find(orgId, repoId);
    if (!repo)
      throw new NotFoundError('REPO.NOT_FOUND', `No repository ${repoId}`);
    const request = validateTaskRequest(command.input, repo.trunk);
    if (idempotencyKey !== undefined)
      await this.assertKeyFree(repoId, idempotencyKey, request.branchName);
    const known = await this.knownBranch(repoId, request.branchName);
    const at = new Date().toISOString();
    for (let generation = 0; ; generation++) {
      const taskId = uuidv5(
        `${orgId}\n${repoId}\n${request.branchName}\n${generation}`,
        TASK_IDS,
      );
      const jobId = attachJobIdOf(taskId);
      const attach: BranchAttachment = known
        ? { kind: 'known', ...known }
        : { kind: 'job', jobId };
      const events = taskDecider.decide(
        {
          type: 'CreateTask',
          data: {
            taskId,
            repoId,
            ...request,
            ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
            attach,
          },
        },
        taskDecider.initialState(),
      );
      const metadata = requestMetadata({
        orgId,
        repoId,
        correlationId: taskId,
        at,
        ...(known ? {} : { jobId }),
      });
      const stream = taskStream(taskId);
      let positions: number[];
      try {
        const appended = await this.store.appendToStream(
          stream,
          events.map((e) => ({ ...e, metadata })),
          { expectedVersion: 'no_stream' },
        );
        positions = appended.globalPositions;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        const replay = await this.existing(stream, request, idempotencyKey);
        if (replay === 'free') continue;
        return replay;
      }
      if (!known) {
        await requestAttachJob(this.store, {
          orgId,
          repoId,
          taskId,
          branchName: request.branchName,
          parentBranch: request.parentBranch,
          at,
        });
      }
      const recorded = events.map<RecordedEvent>((e, i) => ({
        eventId: '',
        streamId: stream,
        streamVersion: i,
        globalPosition: positions[i]!,
        type: e.type,
        data: e.data,
        metadata,
        recordedAt: at,
      }));
      return {
        task: toTaskResource(taskFromStream(recorded)!),
        replayed: false,
      };
    }
  }

  /**
   * A key that made a task on another branch is a reuse for a different request (a retry on
   * the same branch meets its task in `existing`). Read from the tasks read model once it
   * has caught up: two concurrent first requests with one key and different branches are
   * not caught.
   */
  private async assertKeyFree(
    repoId: string,
    idempotencyKey: string,
    branchName: string,
  ): Promise<void> {
    await this.projections.catchUpToHead();
    const prior = await this.db.manager.findOneBy(TaskEntity, {
      repoId,
      idempotencyKey,
    });
    if (prior && prior.branchName !== branchName) {
      throw idempotencyKeyReused({ taskId: prior.taskId });
    }
  }

  /**
   * The branch's head and parent when the cached overview tracks it with the head last
   * seen on the remote; undefined when a job must find out. One read-model lookup, no git.
   */
  private async knownBranch(
    repoId: string,
    branchName: string,
  ): Promise<{ headSha: string; parent: string } | undefined> {
    const row = await this.db.manager.findOneBy(RepoEntity, { repoId });
    const branch = row?.branches.find((b) => b.name === branchName);
    if (!branch?.sha) return undefined;
    const seen = row!.remoteBranches.find((b) => b.name === branchName);
    return seen?.remoteSha === branch.sha
      ? { headSha: branch.sha, parent: branch.parent }
      : undefined;
  }

  /**
   * A task already holds this id: the same request retried (its key matches) gets that task;
   * a task that failed to attach leaves the branch free; any other task is a conflict.
   */
  private async existing(
    stream: string,
    request: ValidTaskRequest,
    idempotencyKey: string | undefined,
  ): Promise<CreateTaskResult | 'free'> {
    const events = await this.store.readStream(stream);
    const state = foldEvents(taskDecider, narrowAll(events, TASK_EVENTS));
    if (
      idempotencyKey !== undefined &&
      state.idempotencyKey === idempotencyKey
    ) {
      if (
        !sameTaskRequest(
          { ...state, title: state.title!, branchName: state.branchName! },
          request,
        )
      ) {
        throw idempotencyKeyReused({ taskId: state.taskId });
      }
      if (state.status === 'pending_branch_attach' && state.jobId !== null) {
        // The first request may have stopped before queueing the job; queueing is idempotent.
        await requestAttachJob(this.store, {
          orgId: events[0]!.metadata.orgId!,
          repoId: state.repoId!,
          taskId: state.taskId!,
          branchName: state.branchName!,
          parentBranch: state.parentBranch ?? undefined,
          at: new Date().toISOString(),
        });
      }
      return { task: toTaskResource(taskFromStream(events)!), replayed: true };
    }
    if (state.status === 'attach_failed') return 'free';
    throw branchTaken(state);
  }
}
