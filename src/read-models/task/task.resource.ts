import { z } from 'zod';
import { TASK_STATUSES } from '../../domain/task/task.state';
import type { TaskRow } from './task.row';

/** The task resource of the API: a task backed by a branch of the stack. */
export const TaskResource = z
  .strictObject({
    taskId: z.string(),
    repoId: z.string(),
    title: z.string(),
    branchName: z.string(),
    parentBranch: z.string().nullable().meta({
      description:
        'The parent the request asked for, if any (`parent` is the one the branch got).',
    }),
    status: z.enum(TASK_STATUSES),
    jobId: z.string().nullable().meta({
      description:
        'The `register_existing_branch` job attaching the branch; null when none was needed.',
    }),
    headSha: z.string().nullable(),
    parent: z.string().nullable(),
    error: z
      .strictObject({ code: z.string(), message: z.string() })
      .nullable()
      .meta({ description: 'Set when the attach failed.' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Task', description: 'A branch-backed task.' });
/** A task as the API answers it. */
export type TaskResource = z.infer<typeof TaskResource>;

/** A repo's tasks, newest first. */
export const TaskListResource = z
  .strictObject({ items: z.array(TaskResource) })
  .meta({ id: 'TaskList' });
/** The answer to `GET /repos/:repoId/tasks`. */
export type TaskListResource = z.infer<typeof TaskListResource>;

/** A task row as the API answers it. */
export function toTaskResource(row: TaskRow): TaskResource {
  return {
    taskId: row.taskId,
    repoId: row.repoId,
    title: row.title,
    branchName: row.branchName,
    parentBranch: row.parentBranch,
    status: row.status,
    jobId: row.jobId,
    headSha: row.headSha,
    parent: row.parent,
    error: row.error,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
