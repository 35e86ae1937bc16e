import {
  formatDuration,
  jobTimeline,
  progressShare,
} from '../../dashboard/job-timeline';
import type { HistoryItem } from '../../dashboard/types';

/** Events at one-second steps from 10:00:00, in the order given. */
function events(
  ...list: Array<[string, Record<string, unknown>, string?]>
): HistoryItem[] {
  return list.map(([type, data, actor], i) => ({
    position: 100 + i,
    type,
    at: new Date(Date.UTC(2026, 0, 1, 10, 0, i)).toISOString(),
    jobId: 'job-1',
    actor: actor ?? null,
    data,
  }));
}
const at = (second: number) =>
  new Date(Date.UTC(2026, 0, 1, 10, 0, second)).toISOString();

describe("a job page's timeline", () => {
  it('gives each step its start, end, duration and summary, and the request its time and actor', () => {
    const timeline = jobTimeline(
      events(
        ['RepoActionRequested', { action: 'restack_repo' }, 'org:default'],
        ['RepoActionStarted', { attempt: 1, worker: 'w-1' }],
        ['RepoActionStepStarted', { step: 'pre_sync' }],
        ['RepoActionStepCompleted', { step: 'pre_sync', summary: 'fetched' }],
        ['RepoActionStepStarted', { step: 'execute' }],
        [
          'RepoActionStepCompleted',
          { step: 'execute', summary: 'restacked 2' },
        ],
        ['RepoActionCompleted', { summary: 'restacked 2', changed: [] }],
      ),
    );
    expect(timeline.requested).toEqual({ at: at(0), actor: 'org:default' });
    expect(timeline.attempts).toEqual([
      { attempt: 1, at: at(1), worker: 'w-1' },
    ]);
    expect(timeline.steps).toEqual([
      {
        step: 'pre_sync',
        attempt: 1,
        startedAt: at(2),
        endedAt: at(3),
        durationMs: 1000,
        outcome: 'completed',
        note: 'fetched',
      },
      {
        step: 'execute',
        attempt: 1,
        startedAt: at(4),
        endedAt: at(5),
        durationMs: 1000,
        outcome: 'completed',
        note: 'restacked 2',
      },
    ]);
    expect(timeline.retries).toEqual([]);
    expect(timeline.ended).toEqual({ type: 'RepoActionCompleted', at: at(6) });
  });

  it('leaves the running step open, and reads events in position order whatever order they came in', () => {
    const list = events(
      ['RepoActionRequested', {}],
      ['RepoActionStarted', { attempt: 1, worker: 'w' }],
      ['RepoActionStepStarted', { step: 'pre_sync' }],
      ['RepoActionStepCompleted', { step: 'pre_sync', summary: '' }],
      ['RepoActionStepStarted', { step: 'execute' }],
    );
    const timeline = jobTimeline([...list].reverse());
    expect(timeline.steps.map((s) => [s.step, s.outcome, s.endedAt])).toEqual([
      ['pre_sync', 'completed', at(3)],
      ['execute', 'running', null],
    ]);
    expect(timeline.steps[1]!.durationMs).toBeNull();
    expect(timeline.ended).toBeNull();
  });

  it('ends a step with the retry that stopped its attempt, keeps the reason and times, and runs the steps again in the next attempt', () => {
    const timeline = jobTimeline(
      events(
        ['RepoActionRequested', {}],
        ['RepoActionStarted', { attempt: 1, worker: 'w-1' }],
        ['RepoActionStepStarted', { step: 'pre_sync' }],
        [
          'RepoActionRetryScheduled',
          {
            attempt: 2,
            reason: 'GIT.REMOTE_UNAVAILABLE: no route',
            retryAt: at(9),
          },
        ],
        ['RepoActionStarted', { attempt: 2, worker: 'w-2' }],
        ['RepoActionStepStarted', { step: 'pre_sync' }],
        ['RepoActionInterrupted', { attempt: 2 }],
        ['RepoActionStarted', { attempt: 3, worker: 'w-1' }],
        ['RepoActionStepStarted', { step: 'pre_sync' }],
        ['RepoActionCancelRequested', {}],
        ['RepoActionCancelled', {}],
      ),
    );
    expect(
      timeline.steps.map((s) => [s.step, s.attempt, s.outcome, s.note]),
    ).toEqual([
      ['pre_sync', 1, 'retry', 'GIT.REMOTE_UNAVAILABLE: no route'],
      ['pre_sync', 2, 'interrupted', null],
      ['pre_sync', 3, 'cancelled', null],
    ]);
    expect(timeline.retries).toEqual([
      {
        attempt: 2,
        reason: 'GIT.REMOTE_UNAVAILABLE: no route',
        at: at(3),
        retryAt: at(9),
      },
    ]);
    expect(timeline.attempts.map((a) => a.worker)).toEqual([
      'w-1',
      'w-2',
      'w-1',
    ]);
    expect(timeline.cancelRequestedAt).toBe(at(9));
    expect(timeline.ended).toEqual({ type: 'RepoActionCancelled', at: at(10) });
  });

  it('ends the running step with the failure and its message', () => {
    const timeline = jobTimeline(
      events(
        ['RepoActionStarted', { attempt: 1, worker: 'w' }],
        ['RepoActionStepStarted', { step: 'execute' }],
        [
          'RepoActionFailed',
          { code: 'GIT.CONFLICT', message: 'conflict on a' },
        ],
      ),
    );
    expect(timeline.steps).toEqual([
      expect.objectContaining({
        step: 'execute',
        outcome: 'failed',
        note: 'conflict on a',
        durationMs: 1000,
      }),
    ]);
    expect(timeline.requested).toBeNull();
  });

  it('formats durations for people and bounds a progress share', () => {
    expect(
      [0, 840, 1000, 3240, 59_949, 125_000, 3_725_000].map(formatDuration),
    ).toEqual([
      '0 ms',
      '840 ms',
      '1.0 s',
      '3.2 s',
      '59.9 s',
      '2 min 05 s',
      '1 h 02 min',
    ]);
    expect(progressShare({ done: 1, total: 4 })).toBe(0.25);
    expect(progressShare({ done: 0, total: 0 })).toBe(0);
    expect(progressShare({ done: 5, total: 4 })).toBe(1);
  });
});
