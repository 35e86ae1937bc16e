import { ConflictError } from '../domain-error';
import type {
  RepoActionCancelled,
  RepoActionCancelRequested,
  RepoActionEvent,
  RepoActionRequested,
} from '../events/repo-action.events';
import type { Command } from '../message';
import type { Decider } from '../decider';
import {
  evolveJob,
  hasPublished,
  initialJobState,
  isFinished,
  type JobState,
} from './job.state';

export type RequestRepoAction = Command<
  'RequestRepoAction',
  RepoActionRequested['data']
>;
export type CancelRepoAction = Command<'CancelRepoAction', { jobId: string }>;
export type JobCommand = RequestRepoAction | CancelRepoAction;

/** The decisions clients make about a job; the runner's own steps are in `job.runner`. */
export const jobDecider: Decider<JobState, JobCommand, RepoActionEvent> = {
  initialState: initialJobState,
  evolve: evolveJob,
  decide(command, state) {
    switch (command.type) {
      case 'RequestRepoAction': {
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
      case 'CancelRepoAction':
        return decideCancel(command.data.jobId, state);
    }
  },
};

/**
 * A job that has not started, or waits between attempts, ends `cancelled` at once. A running
 * job is asked to stop at its next step boundary, unless it has already published: then its
 * refs have moved and it runs to its end. A finished job cannot be cancelled.
 */
function decideCancel(jobId: string, state: JobState): RepoActionEvent[] {
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
