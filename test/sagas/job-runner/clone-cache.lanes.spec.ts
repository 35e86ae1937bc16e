import type { CloneCache } from '../../../src/infrastructure/git/clone-cache';
import {
  CloneCacheGate,
  CloneCacheSteps,
} from '../../../src/sagas/job-runner/clone-cache.lanes';
import {
  JobScheduler,
  type LaneGate,
} from '../../../src/sagas/job-runner/job.scheduler';
import type {
  JobStepContext,
  JobSteps,
} from '../../../src/sagas/job-runner/job-steps.port';

/** The cache's side of the adapters, recording what it is told in order. */
function recordingCache(calls: string[], eviction = Promise.resolve()) {
  return {
    laneBusy: (repoId: string) => {
      calls.push(`busy ${repoId}`);
      return eviction;
    },
    laneIdle: (repoId: string) => calls.push(`idle ${repoId}`),
    stepStarted: (repoId: string) => calls.push(`step ${repoId}`),
    stepEnded: (repoId: string) => calls.push(`ended ${repoId}`),
  } as unknown as CloneCache;
}

describe('CloneCacheGate', () => {
  it('marks the lane busy and lets the inner gate decide only once an eviction of its clone is over', async () => {
    const calls: string[] = [];
    let evicted!: () => void;
    const eviction = new Promise<void>((resolve) => (evicted = resolve));
    const inner: LaneGate = {
      enter: (repoId) => {
        calls.push(`inner enter ${repoId}`);
        return Promise.resolve(250);
      },
      leave: (repoId) => calls.push(`inner leave ${repoId}`),
    };
    const gate = new CloneCacheGate(inner, recordingCache(calls, eviction));

    const entering = gate.enter('r1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['busy r1']);
    evicted();
    expect(await entering).toBe(250);
    gate.leave('r1');
    expect(calls).toEqual([
      'busy r1',
      'inner enter r1',
      'inner leave r1',
      'idle r1',
    ]);
  });
});

describe('CloneCacheGate with the scheduler', () => {
  it('keeps the clone of a repo whose job is queued here, while the job still waits for a slot', async () => {
    const calls: string[] = [];
    const gate = new CloneCacheGate(
      {
        enter: () => Promise.resolve(undefined),
        leave: () => undefined,
      },
      recordingCache(calls),
    );
    let finish!: () => void;
    const scheduler = new JobScheduler(
      (jobId) =>
        jobId === 'a1'
          ? new Promise((resolve) => (finish = () => resolve('done')))
          : Promise.resolve('done'),
      1,
      { error: () => undefined },
      gate,
    );

    scheduler.enqueue('a1', 'repo-a');
    await new Promise((resolve) => setImmediate(resolve));
    scheduler.enqueue('b1', 'repo-b');
    // b1 waits for the one slot, and its repo is busy already.
    expect(calls).toEqual(['busy repo-a', 'busy repo-a', 'busy repo-b']);
    finish();
    await scheduler.drained();
    expect(calls.filter((c) => c.startsWith('idle')).sort()).toEqual([
      'idle repo-a',
      'idle repo-b',
    ]);
  });
});

describe('CloneCacheSteps', () => {
  const context = {
    request: { repoId: 'r1' },
  } as unknown as JobStepContext;

  it('tells the cache when a step starts and ends, and passes its result on', async () => {
    const calls: string[] = [];
    const inner: JobSteps = {
      run: (step) => {
        calls.push(`run ${step}`);
        return Promise.resolve({ summary: 'fetched the remote' });
      },
    };
    const steps = new CloneCacheSteps(inner, recordingCache(calls));
    expect(await steps.run('pre_sync', context)).toEqual({
      summary: 'fetched the remote',
    });
    expect(calls).toEqual(['step r1', 'run pre_sync', 'ended r1']);
  });

  it('ends the step for the cache when it fails, and passes the failure on', async () => {
    const calls: string[] = [];
    const failure = new Error('fetch failed');
    const inner: JobSteps = { run: () => Promise.reject(failure) };
    const steps = new CloneCacheSteps(inner, recordingCache(calls));
    await expect(steps.run('pre_sync', context)).rejects.toBe(failure);
    expect(calls).toEqual(['step r1', 'ended r1']);
  });
});
