import type { DecisionModel, Decider } from '../decider';
import { ConflictError } from '../domain-error';
import { TASK_EVENTS } from '../events/stackyard-event';
import { idempotencyKeyReused } from '../idempotency';
import { sameTaskRequest } from './task.request';
import type { TaskCreated, TaskEvent } from '../events/task.events';
import type { Command } from '../message';
import { evolveTask, initialTaskState, type TaskState } from './task.state';

/**
 * How the new task's branch gets attached: known already (tracked, and its head is the one
 * last seen on the remote), or by the `register_existing_branch` job `jobId`.
 */
export type BranchAttachment =
  | { kind: 'known'; headSha: string; parent: string }
  | { kind: 'job'; jobId: string };

export type CreateTask = Command<
  'CreateTask',
  TaskCreated['data'] & { attach: BranchAttachment }
>;
export type RecordTaskBranchAttached = Command<
  'RecordTaskBranchAttached',
  { headSha: string; parent: string }
>;
export type RecordTaskBranchAttachFailed = Command<
  'RecordTaskBranchAttachFailed',
  { code: string; message: string }
>;
export type TaskCommand =
  CreateTask | RecordTaskBranchAttached | RecordTaskBranchAttachFailed;

/**
 * A task is created once; its branch is attached or fails to attach once. Recording an
 * outcome again (a saga that runs twice) decides nothing.
 */
export const taskDecider: Decider<TaskState, TaskCommand, TaskEvent> = {
  initialState: initialTaskState,
  evolve: evolveTask,
  decide(command, state) {
    switch (command.type) {
      case 'CreateTask': {
        if (state.status !== 'absent') return decideCreateAgain(command, state);
        const { attach, ...created } = command.data;
        const first: TaskCreated = { type: 'TaskCreated', data: created };
        return attach.kind === 'known'
          ? [
              first,
              {
                type: 'TaskBranchAttached',
                data: { headSha: attach.headSha, parent: attach.parent },
              },
            ]
          : [
              first,
              {
                type: 'TaskBranchAttachRequested',
                data: { jobId: attach.jobId },
              },
            ];
      }
      case 'RecordTaskBranchAttached':
        return state.status === 'pending_branch_attach'
          ? [{ type: 'TaskBranchAttached', data: command.data }]
          : [];
      case 'RecordTaskBranchAttachFailed':
        return state.status === 'pending_branch_attach'
          ? [{ type: 'TaskBranchAttachFailed', data: command.data }]
          : [];
    }
  },
};

/** The task decider with the events of its stream, for command handlers. */
export const taskModel: DecisionModel<
  TaskState,
  TaskCommand,
  TaskEvent['type']
> = { decider: taskDecider, kind: TASK_EVENTS };

/**
 * `CreateTask` on a task id that is taken. The same request with the same key is a retry
 * and decides nothing; the key with another request is a reuse. A task whose attach failed
 * decides nothing either: its branch is free, and the handler tries the branch's next task
 * id. Any other task means the branch already backs one.
 */
function decideCreateAgain(command: CreateTask, state: TaskState): TaskEvent[] {
  if (isRetryOf(state, command.data.idempotencyKey)) {
    const created = {
      title: state.title!,
      branchName: state.branchName!,
      parentBranch: state.parentBranch,
    };
    if (!sameTaskRequest(created, command.data))
      throw idempotencyKeyReused({ taskId: state.taskId });
    return [];
  }
  if (state.status === 'attach_failed') return [];
  throw branchTaken(state);
}

/** Whether a request with `idempotencyKey` is a retry of the one that made the task. */
export const isRetryOf = (
  state: TaskState,
  idempotencyKey: string | undefined,
): boolean =>
  idempotencyKey !== undefined && state.idempotencyKey === idempotencyKey;

/** The conflict of a second task on a branch that already backs one. */
export const branchTaken = (state: TaskState): ConflictError =>
  new ConflictError(
    'TASK.BRANCH_TAKEN',
    `Branch ${state.branchName} already backs task ${state.taskId}`,
    { taskId: state.taskId, branchName: state.branchName },
  );
