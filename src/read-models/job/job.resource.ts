import { z } from 'zod';
import { JOB_ACTIONS, JOB_STEPS } from '../../domain/events/job.events';
import { JOB_STATUSES } from '../../domain/job/job-status';
import type { JobRow } from './job.row';

const timestamp = z.iso.datetime();

/** One branch a job moved; copied from the job's completion event. */
const BranchChange = z.object({
  branch: z.string(),
  fromSha: z.string(),
  toSha: z.string(),
});

/** The job resource of the API: every job route answers it, SSE clients re-read it. */
export const JobResource = z
  .strictObject({
    jobId: z.string(),
    repoId: z.string(),
    action: z.enum(JOB_ACTIONS),
    branchName: z.string().nullable(),
    parentBranch: z.string().nullable(),
    taskId: z.string().nullable().meta({
      description: 'The task whose branch this job attaches, if any.',
    }),
    undoOf: z.string().nullable().meta({
      description: 'The job this `undo` job puts back.',
    }),
    undoable: z.boolean().meta({
      description:
        'Completed, and it moved a branch or changed the stack: `POST /jobs/{jobId}/undo` may put it back.',
    }),
    status: z.enum(JOB_STATUSES).meta({
      description:
        'A job between attempts (retry scheduled, or interrupted) is `queued`.',
    }),
    step: z.enum(JOB_STEPS).nullable(),
    message: z.string().nullable(),
    progress: z
      .strictObject({
        done: z.number().int().min(0),
        total: z.number().int().min(0),
      })
      .nullable(),
    attempt: z.number().int().min(0),
    cancelRequested: z.boolean().meta({
      description:
        'A cancel was asked of the running job; it stops at its next step boundary.',
    }),
    requestedAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    updatedAt: timestamp,
    result: z
      .strictObject({
        changed: z.array(BranchChange),
        adopted: z
          .array(z.strictObject({ branch: z.string(), parent: z.string() }))
          .optional()
          .meta({
            description:
              '`adopt_stack`: the branches it tracked, each on the parent it inferred.',
          }),
        skipped: z
          .array(
            z.strictObject({
              branch: z.string(),
              reason: z.enum(['merged', 'squash_merged']),
            }),
          )
          .optional()
          .meta({
            description:
              '`adopt_stack`: the remote branches it left untracked because their work is in trunk.',
          }),
      })
      .nullable()
      .meta({ description: 'Set when the job completed.' }),
    error: z
      .strictObject({
        code: z.string(),
        message: z.string(),
        conflict: z
          .object({ branch: z.string(), files: z.array(z.string()) })
          .optional()
          .meta({ description: 'The branch and paths a replay stopped on.' }),
      })
      .nullable()
      .meta({ description: 'Set when the job failed.' }),
  })
  .meta({ id: 'Job', description: 'A repo action, run in the background.' });
/** A job as the API answers it. */
export type JobResource = z.infer<typeof JobResource>;

/** A page of a repo's jobs, newest first. */
export const JobPageResource = z
  .strictObject({
    items: z.array(JobResource),
    nextCursor: z.string().nullable().meta({
      description:
        'Pass as `cursor` for the next (older) page; null on the last.',
    }),
  })
  .meta({ id: 'JobPage' });
/** A page of jobs as the API answers it. */
export type JobPageResource = z.infer<typeof JobPageResource>;

/** A job row as the API answers it. */
export function toJobResource(row: JobRow): JobResource {
  return {
    jobId: row.jobId,
    repoId: row.repoId,
    action: row.action,
    branchName: row.branchName,
    parentBranch: row.parentBranch,
    taskId: row.taskId ?? null,
    undoOf: row.undoOf ?? null,
    undoable: row.status === 'completed' && Boolean(row.undoable),
    status: row.status,
    step: row.step,
    message: row.message,
    progress:
      row.progressDone !== null && row.progressTotal !== null
        ? { done: row.progressDone, total: row.progressTotal }
        : null,
    attempt: row.attempt,
    cancelRequested: Boolean(row.cancelRequested),
    requestedAt: row.requestedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    updatedAt: row.updatedAt,
    result: row.result,
    error: row.error,
  };
}
