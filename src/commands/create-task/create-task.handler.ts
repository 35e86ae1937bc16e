import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { v5 as uuidv5 } from 'uuid';
import { NotFoundError } from '../../domain/domain-error';
import { idempotencyKeyReused } from '../../domain/idempotency';
import { jobModel } from '../../domain/job/job.decider';
import { requestMetadata } from '../../domain/request-metadata';
import { jobStream, taskStream } from '../../domain/streams';
import { attachJobIdOf, attachJobRequest } from '../../domain/task/attach-job';
import {
  taskModel,
  type BranchAttachment,
  isRetryOf,
} from '../../domain/task/task.decider';
import { validateTaskRequest } from '../../domain/task/task.request';
import type { TaskState } from '../../domain/task/task.state';
import { CLOCK, type Clock } from '../../infrastructure/clock/clock';
import {
  EVENT_STORE,
  type EventStore,
} from '../../infrastructure/event-store/event-store.port';
import { handleCommand } from '../../infrastructure/event-store/handle-command';
import { RepoDirectory } from '../../infrastructure/repo-directory/repo-directory';
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
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly repos: RepoDirectory,
  ) {}

  async execute(command: CreateTaskCommand): Promise<CreateTaskResult> {
    const { orgId, repoId, idempotencyKey, readSide, requestId } = command;
    const repo = this.repos.find(orgId, repoId);
    if (!repo)
      throw new NotFoundError('REPO.NOT_FOUND', `No repository ${repoId}`);
    const request = validateTaskRequest(command.input, repo.trunk);
    // A key that made a task on another branch is a reuse for a different request (a retry
    // on the same branch meets its task below). Two concurrent first requests with one key
    // and different branches are not caught: the read side cannot know of either yet.
    const holder = readSide.keyHolder;
    if (holder && holder.branchName !== request.branchName)
      throw idempotencyKeyReused({ taskId: holder.taskId });
    const known = readSide.knownBranch;
    const at = this.clock.now().toISOString();
    for (let generation = 0; ; generation++) {
      const taskId = uuidv5(
        `${orgId}\n${repoId}\n${request.branchName}\n${generation}`,
        TASK_IDS,
      );
      const jobId = attachJobIdOf(taskId);
      const attach: BranchAttachment = known
        ? { kind: 'known', ...known }
        : { kind: 'job', jobId };
      const { state, stream, appended } = await handleCommand(
        this.store,
        taskStream(taskId),
        taskModel,
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
        {
          metadata: requestMetadata({
            orgId,
            repoId,
            correlationId: requestId ?? taskId,
            at,
            ...(known ? {} : { jobId }),
          }),
          expectNew: true,
        },
      );
      if (appended.length > 0) {
        if (!known)
          await this.requestAttachJob(orgId, taskId, state, at, requestId);
        return { taskId, stream, replayed: false };
      }
      if (isRetryOf(state, idempotencyKey)) {
        // The first request may have stopped before queueing the job; queueing is idempotent.
        if (state.status === 'pending_branch_attach' && state.jobId !== null)
          await this.requestAttachJob(orgId, taskId, state, at, requestId);
        return { taskId, stream, replayed: true };
      }
      // This task's attach failed, which left its branch free: try the next generation.
    }
  }

  private async requestAttachJob(
    orgId: string,
    taskId: string,
    task: TaskState,
    at: string,
    requestId: string | undefined,
  ): Promise<void> {
    const { command, metadata } = attachJobRequest(
      {
        orgId,
        repoId: task.repoId!,
        taskId,
        branchName: task.branchName!,
        parentBranch: task.parentBranch,
      },
      at,
    );
    await handleCommand(
      this.store,
      jobStream(command.data.jobId),
      jobModel,
      command,
      {
        metadata: {
          ...metadata,
          correlationId: requestId ?? metadata.correlationId,
        },
        expectNew: true,
      },
    );
  }
}
