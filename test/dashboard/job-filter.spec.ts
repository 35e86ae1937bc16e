import {
  filterJobs,
  filterOf,
  isFiltered,
  matchesFilter,
} from '../../dashboard/job-filter';
import type { Job } from '../../dashboard/types';

const aJob = (jobId: string, status: Job['status'], action: string): Job => ({
  jobId,
  repoId: 'r',
  action,
  branchName: null,
  parentBranch: null,
  status,
  step: null,
  message: null,
  progress: null,
  attempt: 1,
  requestedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: null,
  error: null,
});

describe("the job list's filter", () => {
  const jobs = [
    aJob('1', 'completed', 'restack_repo'),
    aJob('2', 'error', 'restack_repo'),
    aJob('3', 'completed', 'sync_repo'),
    aJob('4', 'running', 'undo'),
  ];
  const ids = (filter: Parameters<typeof filterJobs>[1]) =>
    filterJobs(jobs, filter).map((j) => j.jobId);

  it('lets through the jobs of its status, of its action, of both, or all without either', () => {
    expect(ids({})).toEqual(['1', '2', '3', '4']);
    expect(ids({ status: 'completed' })).toEqual(['1', '3']);
    expect(ids({ action: 'restack_repo' })).toEqual(['1', '2']);
    expect(ids({ status: 'completed', action: 'restack_repo' })).toEqual(['1']);
    expect(ids({ status: 'cancelled' })).toEqual([]);
    expect(matchesFilter(jobs[3]!, { action: 'undo' })).toBe(true);
  });

  it("is made from the controls' values, where an empty one means any", () => {
    expect(filterOf('', '')).toEqual({});
    expect(filterOf('error', '')).toEqual({ status: 'error' });
    expect(filterOf('', 'undo')).toEqual({ action: 'undo' });
    expect(isFiltered(filterOf('', ''))).toBe(false);
    expect(isFiltered(filterOf('', 'undo'))).toBe(true);
  });
});
