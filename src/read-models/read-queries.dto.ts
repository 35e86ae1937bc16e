import { z } from 'zod';
import { JOB_ACTIONS } from '../domain/events/job.events';
import { JOB_STATUSES } from '../domain/job/job-status';
import { TASK_STATUSES } from '../domain/task/task.state';

/** A global position of the event store, as a query or header value. */
const position = z.coerce.number().int().min(0);

const limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(200)
  .default(50)
  .meta({ description: 'Page size.' });

/**
 * Every read takes `minPosition`: the read waits (up to 2 s) until the read models include
 * the event at that global position, so a client that saw an event on SSE reads its effect.
 */
export const ReadQuery = z.object({
  minPosition: position.optional().meta({
    description:
      'Wait (up to 2 s) until the read models include the event at this global position: read-your-writes after an event seen on `GET /events`.',
  }),
});

/** Query of `GET /repos/:repoId/jobs`. */
export const ListJobsQuery = ReadQuery.extend({
  status: z.enum(JOB_STATUSES).optional().meta({
    description: 'Only the jobs in this status.',
  }),
  action: z.enum(JOB_ACTIONS).optional().meta({
    description: 'Only the jobs of this action.',
  }),
  limit,
  cursor: z.string().max(500).optional().meta({
    description: 'The `nextCursor` of the previous page.',
  }),
});

/** Query of `GET /repos/:repoId/history`. */
export const HistoryQuery = ReadQuery.extend({
  limit,
  before: z.coerce.number().int().min(1).optional().meta({
    description:
      'Only entries before this global position: the `nextBefore` of the previous page.',
  }),
});

/** Query of `GET /jobs/:jobId/events`. */
export const JobEventsQuery = ReadQuery.extend({
  limit,
  after: position.optional().meta({
    description:
      'Only events after this global position: the `nextAfter` of the previous page, or the last position a client has.',
  }),
});

/** Query of `GET /repos/:repoId/tasks`. */
export const ListTasksQuery = ReadQuery.extend({
  status: z.enum(TASK_STATUSES).optional(),
  limit,
});

/** Query of `GET /events`: the scope of the stream, and where it resumes. */
export const EventsQuery = z.object({
  repoId: z.string().max(100).optional().meta({
    description: "Only this repo's events.",
  }),
  jobId: z.string().max(100).optional().meta({
    description: "Only this job's events.",
  }),
  lastEventId: position.optional().meta({
    description:
      'Resume after this position, for clients that cannot set `Last-Event-ID` on their first request; the header wins when both are sent.',
  }),
});

/** The `Last-Event-ID` header of `GET /events`: the last position the client has. */
export const LastEventIdHeader = position;
