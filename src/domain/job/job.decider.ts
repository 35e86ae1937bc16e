import { ConflictError } from '../domain-error';
import type {
  RepoActionCancelled,
  RepoActionCancelRequested,
  JobEvent,
  RepoActionRequested,
} from '../events/job.events';
import type { Command } from '../message';
import type { Decider } from '../decider';
import {
  evolveJob,
  hasPublished,
  initialJobState,
  isFinished,
  type JobState,
} from './job.state';

export type RequestJob = Command<'RequestJob', RepoActionRequested['data']>;
export type CancelJob = Command<'CancelJob', { jobId: string }>;
export type JobCommand = RequestJob | CancelJob;

/** The decisions clients make about a job; the runner's own steps are in `job.runner`. */
export const jobDecider: Decider<JobState, JobCommand, JobEvent> = {
  initialState: initialJobState,
  evolve: evolveJob,
  decide(command, state) {
    switch (command.type) {
      case 'RequestJob': {
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
        return decideCancel(command.data.jobId, state);
    }
  },
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
