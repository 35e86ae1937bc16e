import type { JobEvent } from '../../../src/domain/events/job.events';
import {
  evolveJob,
  hasPublished,
  initialJobState,
  isFinished,
  jobStateFrom,
} from '../../../src/domain/job/job.state';
import {
  aCancelRequested,
  aRepoActionCancelled,
  aRepoActionCompleted,
  aRepoActionFailed,
  aRepoActionInterrupted,
  aRepoActionProgressed,
  aRepoActionRequested,
  aRepoActionStarted,
  aRetryScheduled,
  aStepCompleted,
  aStepStarted,
  anExecutionPlan,
} from '../../builders/job.builders';

/** The state a job's stream folds to. */
const stateAfter = (events: readonly JobEvent[]) => jobStateFrom(events);

describe('job state', () => {
  it('given no events, then the job is absent', () => {
    expect(stateAfter([])).toEqual({
      phase: 'absent',
      request: undefined,
      attempt: 0,
      cancelRequested: false,
      completedSteps: [],
      plan: undefined,
      retryAt: undefined,
    });
  });

  it('given a request, then the job is queued with it', () => {
    const request = aRepoActionRequested({ branchName: 'feature-a' });
    expect(stateAfter([request])).toMatchObject({
      phase: 'queued',
      request: request.data,
      attempt: 0,
    });
  });

  it('given events before the request, then they are ignored', () => {
    expect(stateAfter([aRepoActionStarted(), aStepStarted()])).toEqual(
      initialJobState(),
    );
  });

  it('given a second request, then the first one stays', () => {
    const first = aRepoActionRequested();
    expect(
      stateAfter([first, aRepoActionRequested({ action: 'sync_repo' })])
        .request,
    ).toEqual(first.data);
  });

  it('given a start, then the job runs its attempt', () => {
    expect(
      stateAfter([aRepoActionRequested(), aRepoActionStarted(2)]),
    ).toMatchObject({ phase: 'running', attempt: 2 });
  });

  it('given step starts and progress, then the state does not change', () => {
    const started = [aRepoActionRequested(), aRepoActionStarted()];
    expect(
      stateAfter([...started, aStepStarted(), aRepoActionProgressed()]),
    ).toEqual(stateAfter(started));
  });

  it('given completed steps and the plan, then a resumed job knows to skip them', () => {
    const plan = anExecutionPlan();
    expect(
      stateAfter([
        aRepoActionRequested(),
        aRepoActionStarted(),
        aStepCompleted('pre_sync'),
        aStepCompleted('execute', { plan }),
        aRepoActionInterrupted(1),
      ]),
    ).toMatchObject({
      phase: 'waiting',
      attempt: 1,
      completedSteps: ['pre_sync', 'execute'],
      plan,
    });
  });

  it('given a step completed twice (a resumed attempt), then it is recorded once and the plan kept', () => {
    const plan = anExecutionPlan();
    const state = stateAfter([
      aRepoActionRequested(),
      aRepoActionStarted(1),
      aStepCompleted('execute', { plan }),
      aRepoActionInterrupted(1),
      aRepoActionStarted(2),
      aStepCompleted('execute'),
    ]);
    expect(state.completedSteps).toEqual(['execute']);
    expect(state.plan).toEqual(plan);
  });

  it('given a retry scheduled, then the job waits until the retry is due, and a start clears it', () => {
    const retry = aRetryScheduled({ retryAt: '2026-01-01T00:05:00.000Z' });
    const waiting = [aRepoActionRequested(), aRepoActionStarted(1), retry];
    expect(stateAfter(waiting)).toMatchObject({
      phase: 'waiting',
      retryAt: retry.data.retryAt,
    });
    expect(stateAfter([...waiting, aRepoActionStarted(2)])).toMatchObject({
      phase: 'running',
      attempt: 2,
      retryAt: undefined,
    });
  });

  it('given an interruption after a scheduled retry, then the job waits with no retry time', () => {
    expect(
      stateAfter([
        aRepoActionRequested(),
        aRepoActionStarted(),
        aRetryScheduled(),
        aRepoActionInterrupted(),
      ]),
    ).toMatchObject({ phase: 'waiting', retryAt: undefined });
  });

  it('given a cancel request, then the job notes it and keeps running', () => {
    expect(
      stateAfter([
        aRepoActionRequested(),
        aRepoActionStarted(),
        aCancelRequested(),
      ]),
    ).toMatchObject({ phase: 'running', cancelRequested: true });
  });

  it.each([
    ['completed', aRepoActionCompleted()],
    ['error', aRepoActionFailed()],
    ['cancelled', aRepoActionCancelled()],
  ] as const)(
    'given the job ended %s, then it is finished and nothing changes it',
    (phase, end) => {
      const ended = stateAfter([
        aRepoActionRequested(),
        aRepoActionStarted(),
        end,
      ]);
      expect(ended.phase).toBe(phase);
      expect(isFinished(ended)).toBe(true);
      for (const later of [
        aRepoActionStarted(2),
        aStepCompleted('publish'),
        aCancelRequested(),
        aRepoActionCompleted(),
        aRepoActionFailed(),
      ]) {
        expect(evolveJob(ended, later)).toEqual(ended);
      }
    },
  );

  it('given a job not yet ended, then it is not finished', () => {
    for (const events of [
      [aRepoActionRequested()],
      [aRepoActionRequested(), aRepoActionStarted()],
      [aRepoActionRequested(), aRepoActionStarted(), aRetryScheduled()],
    ]) {
      expect(isFinished(stateAfter(events))).toBe(false);
    }
  });

  it('given the publish step completed, then the job has published; before it, not', () => {
    const executed = [
      aRepoActionRequested(),
      aRepoActionStarted(),
      aStepCompleted('pre_sync'),
      aStepCompleted('execute'),
    ];
    expect(hasPublished(stateAfter(executed))).toBe(false);
    expect(
      hasPublished(stateAfter([...executed, aStepCompleted('publish')])),
    ).toBe(true);
  });

  it('folds events one by one with evolveJob from the initial state', () => {
    const events = [
      aRepoActionRequested(),
      aRepoActionStarted(),
      aStepCompleted('pre_sync'),
    ];
    let state = initialJobState();
    for (const event of events) state = evolveJob(state, event);
    expect(jobStateFrom(events)).toEqual(state);
  });
});
