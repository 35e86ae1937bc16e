import { z } from 'zod';

const limit = z.coerce.number().int().min(1).max(200).default(50);

export const JOB_STATUSES = [
  'queued',
  'running',
  'completed',
  'error',
  'cancelled',
] as const;

/** Query of `GET /repos/:repoId/jobs`. */
export const ListJobsQuery = z.object({
  status: z.enum(JOB_STATUSES).optional(),
  limit,
  cursor: z.string().max(500).optional(),
});

/** Query of `GET /repos/:repoId/history`. */
export const HistoryQuery = z.object({
  limit,
  before: z.coerce.number().int().min(1).optional(),
});
