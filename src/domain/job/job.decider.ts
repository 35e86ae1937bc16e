import { ConflictError, NotFoundError } from '../domain-error';
import { JOB_EVENTS } from '../events/stackyard-event';
import { idempotencyKeyReused } from '../idempotency';
import type {
  RepoActionCancelled,
  RepoActionCancelRequested,
  JobEvent,
  RepoActionRequested,
} from '../events/job.events';
import type { Command } from '../message';
import type { DecisionModel, Decider } from '../decider';
import { sameActionRequest } from './job.request';
import {
  evolveJob,
  hasPublished,
  initialJobState,
  isFinished,
  type JobState,
} from './job.state';

export type RequestJob = Command<'RequestJob', RepoActionRequested['data']>;
/** Cancel `jobId` for `orgId`: another org's job is not found, as if it did not exist. */
export type CancelJob = Command<'CancelJob', { jobId: string; orgId: string }>;
export type JobCommand = RequestJob | CancelJob;

/** The decisions clients make about a job; the runner's own steps are recorded by the job runner. */
export const jobDecider: Decider<JobState, JobCommand, JobEvent> = {
  initialState: initialJobState,
  evolve: evolveJob,
  decide(command, state) {
    switch (command.type) {
      case 'RequestJob': {
        const first = state.request;
        // A job id derived from a key (or a task) names one request: the same request
        // again is a retry and decides nothing.
        if (first && sameJobRequest(first, command.data)) return [];
        if (first?.idempotencyKey !== undefined)
          throw idempotencyKeyReused({ jobId: first.jobId });
        if (state.phase !== 'absent') {
          throw new ConflictError(
            'JOB.ALREADY_EXISTS',
            `Job ${command.data.jobId} already exists`,
          );
        }
        const requested: RepoActionRequested = {
          type: 'RepoActionRequested',
          data: command.data,
        };
        return [requested];
      }
      case 'CancelJob':
        if (state.request?.orgId !== command.data.orgId) {
          throw new NotFoundError(
            'JOB.NOT_FOUND',
            `No job ${command.data.jobId}`,
          );
        }
        return decideCancel(command.data.jobId, state);
    }
  },
};

/** The job decider with the events of its stream, for command handlers. */
export const jobModel: DecisionModel<JobState, JobCommand, JobEvent['type']> = {
  decider: jobDecider,
  kind: JOB_EVENTS,
};

/**
 * A job that has not started, or waits between attempts, ends `cancelled` at once. A running
 * job is asked to stop at its next step boundary, unless it has already published: then its
 * refs have moved and it runs to its end. A finished job cannot be cancelled.
 */
function decideCancel(jobId: string, state: JobState): JobEvent[] {
  if (isFinished(state)) {
    throw new ConflictError(
      'JOB.ALREADY_FINISHED',
      `Job ${jobId} has already ended (${state.phase})`,
      { status: state.phase },
    );
  }
  if (state.phase === 'queued' || state.phase === 'waiting') {
    const cancelled: RepoActionCancelled = {
      type: 'RepoActionCancelled',
      data: {},
    };
    return [cancelled];
  }
  if (state.cancelRequested) return [];
  if (hasPublished(state)) {
    throw new ConflictError(
      'JOB.CANNOT_CANCEL',
      `Job ${jobId} has already published its changes and will finish`,
    );
  }
  const asked: RepoActionCancelRequested = {
    type: 'RepoActionCancelRequested',
    data: {},
  };
  return [asked];
}

const sameJobRequest = (
  a: RepoActionRequested['data'],
  b: RepoActionRequested['data'],
): boolean =>
  a.orgId === b.orgId &&
  a.repoId === b.repoId &&
  a.idempotencyKey === b.idempotencyKey &&
  a.taskId === b.taskId &&
  sameActionRequest(a, b);
