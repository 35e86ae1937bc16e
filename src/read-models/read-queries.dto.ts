import { z } from 'zod';

const limit = z.coerce.number().int().min(1).max(200).default(50);

export const JOB_STATUSES = [
  'queued',
  'running',
  'completed',
  'error',
  'cancelled',
] as const;

export const TASK_STATUSES = [
  'pending_branch_attach',
  'ready',
  'attach_failed',
] as const;

/**
 * Every read takes `minPosition`: the read waits (up to 2 s) until the read models include
 * the event at that global position, so a client that saw an event on SSE reads its effect.
 */
export const ReadQuery = z.object({
  minPosition: z.coerce.number().int().min(0).optional(),
});

/** Query of `GET /repos/:repoId/jobs`. */
export const ListJobsQuery = ReadQuery.extend({
  status: z.enum(JOB_STATUSES).optional(),
  limit,
  cursor: z.string().max(500).optional(),
});

/** Query of `GET /repos/:repoId/history`. */
export const HistoryQuery = ReadQuery.extend({
  limit,
  before: z.coerce.number().int().min(1).optional(),
});

/** Query of `GET /repos/:repoId/tasks`. */
export const ListTasksQuery = ReadQuery.extend({
  status: z.enum(TASK_STATUSES).optional(),
  limit,
});
