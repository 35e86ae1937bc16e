import {
  isJobTimelineEvent,
  REPO_LIST_EVENTS,
  refreshesOf,
} from '../../dashboard/events';

describe("the dashboard's event lists", () => {
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
    expect(kinds('WebhookDeliveryReceived', null)).toEqual(['repo']);
    expect(kinds('RepoAutoRestackSet', null)).toEqual(['repo']);
    expect(kinds('WebhookJobQueued', null)).toEqual([]);
  });

  it("has the repo list follow registrations and tracking, and a job's timeline keep its events but progress ticks", () => {
    expect([...REPO_LIST_EVENTS].sort()).toEqual([
      'BranchTracked',
      'BranchUntracked',
      'RepoRegistered',
    ]);
    expect(isJobTimelineEvent('RepoActionStepStarted')).toBe(true);
    expect(isJobTimelineEvent('RepoActionRetryScheduled')).toBe(true);
    expect(isJobTimelineEvent('RepoActionProgressed')).toBe(false);
    expect(isJobTimelineEvent('BranchRestacked')).toBe(false);
    expect(isJobTimelineEvent('TaskBranchAttached')).toBe(false);
  });
});
