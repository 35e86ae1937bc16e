import { isFinalStatus, type JobStatus } from './job-status';
import type {
  ExecutionPlan,
  JobStep,
  JobEvent,
  RepoActionRequested,
} from '../events/job.events';

/**
 * Where a job is, as its own stream says. `waiting` is a job between attempts (a retry is
 * scheduled, or it was interrupted); clients see it as `queued`.
 */
export type JobPhase = 'absent' | 'waiting' | JobStatus;

export interface JobState {
  phase: JobPhase;
  request: RepoActionRequested['data'] | undefined;
  attempt: number;
  cancelRequested: boolean;
  /** Steps whose completion is recorded; a resumed job starts after them. */
  completedSteps: readonly JobStep[];
  plan: ExecutionPlan | undefined;
  /** When the scheduled retry is due (ISO-8601), while `waiting` after a failure. */
  retryAt: string | undefined;
}

export const initialJobState = (): JobState => ({
  phase: 'absent',
  request: undefined,
  attempt: 0,
  cancelRequested: false,
  completedSteps: [],
  plan: undefined,
  retryAt: undefined,
});

export const isFinished = (state: JobState): boolean =>
  isFinalStatus(state.phase);

/** True once refs may have moved: from then on a job runs to its end and is not cancelled. */
export const hasPublished = (state: JobState): boolean =>
  state.completedSteps.includes('publish');

export function evolveJob(state: JobState, event: JobEvent): JobState {
  if (event.type !== 'RepoActionRequested' && state.phase === 'absent')
    return state;
  if (isFinalStatus(state.phase)) return state;
  switch (event.type) {
    case 'RepoActionRequested':
      return state.phase === 'absent'
        ? { ...initialJobState(), phase: 'queued', request: event.data }
        : state;
    case 'RepoActionStarted':
      return {
        ...state,
        phase: 'running',
        attempt: event.data.attempt,
        retryAt: undefined,
      };
    case 'RepoActionStepStarted':
    case 'RepoActionProgressed':
      return state;
    case 'RepoActionStepCompleted':
      return {
        ...state,
        completedSteps: state.completedSteps.includes(event.data.step)
          ? state.completedSteps
          : [...state.completedSteps, event.data.step],
        plan: event.data.plan ?? state.plan,
      };
    case 'RepoActionRetryScheduled':
      return { ...state, phase: 'waiting', retryAt: event.data.retryAt };
    case 'RepoActionInterrupted':
      return { ...state, phase: 'waiting', retryAt: undefined };
    case 'RepoActionCancelRequested':
      return { ...state, cancelRequested: true };
    case 'RepoActionCompleted':
      return { ...state, phase: 'completed' };
    case 'RepoActionFailed':
      return { ...state, phase: 'error' };
    case 'RepoActionCancelled':
      return { ...state, phase: 'cancelled' };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

export const jobStateFrom = (events: readonly JobEvent[]): JobState =>
  events.reduce(evolveJob, initialJobState());
