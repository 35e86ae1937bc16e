import { refreshesOf } from '../../dashboard/events';

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
  });
});
