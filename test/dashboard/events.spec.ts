import {
  EVENT_TYPES,
  HISTORY_TYPES,
  refreshesOf,
} from '../../dashboard/events';
import { ALL_EVENTS } from '../../src/domain/events/stackyard-event';
import { historyProjection } from '../../src/projections/history/history.projection';

describe("the dashboard's event lists", () => {
  it('listen to every event type the service writes', () => {
    expect([...EVENT_TYPES].sort()).toEqual([...ALL_EVENTS.types].sort());
  });

  it('keep in the timeline exactly what the history projection keeps', () => {
    expect([...HISTORY_TYPES].sort()).toEqual(
      [...historyProjection.kind.types].sort(),
    );
  });

  it('refresh only what an event concerns', () => {
    const kinds = (type: string, jobId: string | null = 'j1') =>
      refreshesOf({ type, jobId }).map((r) =>
        r.kind === 'job' ? `job:${r.jobId}` : r.kind,
      );
    expect(kinds('RepoActionProgressed')).toEqual(['job:j1']);
    expect(kinds('RepoActionCompleted')).toEqual(['job:j1', 'repo']);
    expect(kinds('BranchRestacked')).toEqual(['repo']);
    expect(kinds('RepoBranchesObserved', null)).toEqual(['repo']);
    expect(kinds('TaskBranchAttached')).toEqual(['tasks', 'repo']);
  });
});
