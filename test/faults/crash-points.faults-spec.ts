import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JobResource } from '../../src/read-models/job/job.resource';
import { DEFAULT_RETRY_POLICY } from '../../src/sagas/job-runner/job.saga';
import { type CrashRun, useCrashLab } from './support/crash-lab';
import type { FaultService } from './support/fault-service';
import {
  expectEnded,
  expectRecovered,
  expectStoppedCleanly,
  historyOf,
  readerAfter,
} from './support/invariants';
import { refsOf, runGit } from './support/stack-origin';

/**
 * See `midReplay`. An uninterrupted restack of this world writes 16 new objects, a tree and a
 * commit for each of its 8 replayed commits, in the order the replay made them; the 5th comes
 * once two of the commits are written and before the last (the test checks both).
 */
const MID_REPLAY_OBJECT = 5;

/**
 * The compiled service, killed with SIGKILL at named points of a `restack_repo` job and
 * started again on the same data dir, must finish every accepted job as if nothing had
 * happened (see `expectRecovered`). Each test first checks, from the store file and the
 * repositories, that the kill really came at its point.
 */
describe('the service killed at a crash point recovers on restart', () => {
  let run: CrashRun;
  useCrashLab((next) => (run = next));

  const stepStarted = (step: string) => `RepoActionStepStarted:${step}`;
  const stepCompleted = (step: string) => `RepoActionStepCompleted:${step}`;
  const restacksOf = (jobId: string) =>
    run
      .events()
      .filter(
        (e) => e.type === 'BranchRestacked' && e.metadata.jobId === jobId,
      );
  const clone = () => join(run.dataDir, 'repos', `${run.repoId}.git`);
  const branchHeads = (heads: Record<string, string>) =>
    Object.fromEntries(run.world.branches.map((b) => [b.name, heads[b.name]]));
  /** Commits in the clone that the service wrote: replayed ones, with it as committer. */
  const replayedCommits = () =>
    runGit(clone(), [
      'cat-file',
      '--batch-all-objects',
      '--batch-check=%(objecttype) %(objectname)',
    ])
      .split('\n')
      .filter((line) => line.startsWith('commit '))
      .map((line) => line.slice('commit '.length))
      .filter((oid) =>
        /^committer Stackyard /m.test(
          runGit(clone(), ['cat-file', 'commit', oid]),
        ),
      );
  /**
   * The replay writes its objects in the service (no git process is started for a pick that
   * merges by tree entries), held in memory until every branch is replayed and then written
   * together, loose since they are fewer than a pack's minimum: the service dies right after
   * placing this object, so between two objects of the replay's write.
   */
  const midReplay = { nth: MID_REPLAY_OBJECT };

  /** Starts the service with the armed wrapper, requests the restack, awaits the kill. */
  async function restackUntilKilled(): Promise<string> {
    const service = await run.start('fault');
    const jobId = await run.request(service, { action: 'restack_repo' });
    expect(await service.exited).toEqual({ code: null, signal: 'SIGKILL' });
    return jobId;
  }

  async function restartAndCheck(accepted: string[]): Promise<void> {
    run.git.disarm();
    await expectRecovered(run, await run.start('plain'), accepted);
  }

  it('without a crash (the control: the invariants hold for an uninterrupted run)', async () => {
    const service = await run.start('plain');
    const jobId = await run.request(service, { action: 'restack_repo' });
    await expectRecovered(run, service, [jobId]);
  });

  it('after the 202, before the runner starts the job', async () => {
    // A job ahead of it in the repo's lane holds its first git call, so the runner cannot
    // start the restack: it is accepted, and only accepted, when the service dies.
    run.git.arm({ command: 'fetch', nth: 1, action: 'hold' });
    const service = await run.start('fault');
    const ahead = await run.request(service, {
      action: 'restack_subtree',
      branchName: 'd',
    });
    await service.awaitEvent(
      { jobId: ahead },
      (e) => e.type === 'RepoActionStepStarted' && e.data.step === 'pre_sync',
    );
    const jobId = await run.request(service, { action: 'restack_repo' });
    expect(await service.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(run.jobEvents(jobId)).toEqual(['RepoActionRequested']);

    await restartAndCheck([ahead, jobId]);
  });

  it("pre_sync of a new repo's first job: mid-clone, the clone made but its remote not set", async () => {
    run.git.arm({ command: 'init', nth: 1, action: 'kill-after' });
    const service = await run.start('fault');
    const other = await run.register(service, 'other');
    expect(await service.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(run.git.fired()).toContain('init');
    expect(run.jobEvents(other.jobId).at(-1)).toBe(stepStarted('pre_sync'));

    run.git.disarm();
    const restarted = await run.start('plain');
    await restarted.jobEnd(other.jobId);
    const jobId = await run.request(restarted, { action: 'restack_repo' });
    await expectRecovered(run, restarted, [other.jobId, jobId]);
  });

  it('pre_sync: mid-fetch', async () => {
    run.git.arm({ command: 'fetch', nth: 1, action: 'kill-during' });
    const jobId = await restackUntilKilled();
    expect(run.git.fired()).toContain('fetch');
    expect(run.jobEvents(jobId).at(-1)).toBe(stepStarted('pre_sync'));

    await restartAndCheck([jobId]);
  });

  it('execute: mid-replay, some rewritten commits written and others not', async () => {
    run.objects.arm(midReplay);
    const jobId = await restackUntilKilled();
    expect(run.objects.placed()).toHaveLength(MID_REPLAY_OBJECT);
    const events = run.jobEvents(jobId);
    expect(events).toContain(stepStarted('execute'));
    expect(events).not.toContain(stepCompleted('execute'));
    const written = replayedCommits().length;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(Object.values(run.world.oracle).flat().length);

    await restartAndCheck([jobId]);
  });

  it('publish: local refs moved, before the push', async () => {
    run.git.arm({ command: 'push', nth: 1, action: 'kill-before' });
    const jobId = await restackUntilKilled();
    expect(run.jobEvents(jobId).at(-1)).toBe(stepStarted('publish'));
    expect(refsOf(run.origin)).toEqual(run.world.heads);
    expect(branchHeads(refsOf(clone()))).not.toEqual(
      branchHeads(run.world.heads),
    );

    await restartAndCheck([jobId]);
  });

  it('publish: mid local ref transaction, git dying with the service (its ref locks left behind)', async () => {
    run.git.arm({
      command: 'update-ref',
      nth: 1,
      action: 'kill-all-at-prepare',
    });
    const jobId = await restackUntilKilled();
    expect(run.jobEvents(jobId).at(-1)).toBe(stepStarted('publish'));
    expect(refsOf(run.origin)).toEqual(run.world.heads);
    expect(
      readdirSync(join(clone(), 'refs', 'heads'))
        .filter((f) => f.endsWith('.lock'))
        .sort(),
    ).toEqual(run.world.branches.map((b) => `${b.name}.lock`));

    await restartAndCheck([jobId]);
  });

  it('publish: after the push landed, before any event recorded it', async () => {
    run.git.arm({ command: 'push', nth: 1, action: 'kill-after' });
    const jobId = await restackUntilKilled();
    expect(run.jobEvents(jobId).at(-1)).toBe(stepStarted('publish'));
    expect(restacksOf(jobId)).toEqual([]);
    const pushed = refsOf(run.origin);
    for (const { name } of run.world.branches)
      expect(pushed[name]).not.toBe(run.world.heads[name]);

    await restartAndCheck([jobId]);
  });

  it('publish: the push landed, but git and the service died before the push heard so', async () => {
    run.git.installRemoteHook(run.origin);
    run.git.arm({
      command: 'push',
      nth: 1,
      action: 'kill-when-remote-commits',
    });
    const jobId = await restackUntilKilled();
    expect(run.jobEvents(jobId).at(-1)).toBe(stepStarted('publish'));
    expect(restacksOf(jobId)).toEqual([]);
    // The remote moved; the clone's remote-tracking refs still say it did not.
    const pushed = refsOf(run.origin);
    for (const { name } of run.world.branches)
      expect(pushed[name]).not.toBe(run.world.heads[name]);
    expect(refsOf(clone(), 'refs/remotes/origin/')).toEqual(run.world.heads);

    await restartAndCheck([jobId]);
  });

  it('post_sync: mid-fetch, after publish was recorded', async () => {
    run.git.arm({ command: 'fetch', nth: 2, action: 'kill-during' });
    const jobId = await restackUntilKilled();
    const events = run.jobEvents(jobId);
    expect(events).toContain(stepCompleted('publish'));
    expect(events.at(-1)).toBe(stepStarted('post_sync'));
    expect(restacksOf(jobId)).toHaveLength(run.world.branches.length);

    await restartAndCheck([jobId]);
  });

  it('execute mid-replay, then the resumed attempt after its push landed: two crashes, one job', async () => {
    run.objects.arm(midReplay);
    const jobId = await restackUntilKilled();
    expect(run.objects.placed()).toHaveLength(MID_REPLAY_OBJECT);
    run.git.arm({ command: 'push', nth: 1, action: 'kill-after' });
    const resumed = await run.start('fault');
    expect(await resumed.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const events = run.jobEvents(jobId);
    expect(events.filter((e) => e === 'RepoActionStarted')).toHaveLength(2);
    expect(events.at(-1)).toBe(stepStarted('publish'));
    expect(restacksOf(jobId)).toEqual([]);

    await restartAndCheck([jobId]);
  });

  it('publish of the last allowed attempt: after the push landed, before any event recorded it (the job is settled, not given up)', async () => {
    const maxAttempts = DEFAULT_RETRY_POLICY.maxAttempts;
    run.git.arm({
      command: 'push',
      nth: 1,
      times: maxAttempts - 1,
      action: 'kill-before',
    });
    const jobId = await restackUntilKilled();
    for (let start = 2; start < maxAttempts; start++) {
      const service = await run.start('fault');
      expect(await service.exited).toEqual({ code: null, signal: 'SIGKILL' });
    }
    expect(refsOf(run.origin)).toEqual(run.world.heads);
    run.git.arm({ command: 'push', nth: 1, action: 'kill-after' });
    const last = await run.start('fault');
    expect(await last.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const events = run.jobEvents(jobId);
    expect(events.filter((e) => e === 'RepoActionStarted')).toHaveLength(
      maxAttempts,
    );
    expect(events.at(-1)).toBe(stepStarted('publish'));
    expect(restacksOf(jobId)).toEqual([]);
    for (const { name } of run.world.branches)
      expect(refsOf(run.origin)[name]).not.toBe(run.world.heads[name]);

    await restartAndCheck([jobId]);
    expect(restacksOf(jobId)).toHaveLength(run.world.branches.length);
  });

  it('the same point on every attempt (a job that kills the service whenever it runs): the job ends in error, and so does the crash loop', async () => {
    const maxAttempts = DEFAULT_RETRY_POLICY.maxAttempts;
    run.git.arm({ command: 'push', nth: 'every', action: 'kill-before' });
    const jobId = await restackUntilKilled();
    // Each start resumes the job, which kills the service again, until it has no attempt left.
    const killedBeforeTheEnd = (service: FaultService) =>
      Promise.race([
        service.exited.then(() => true),
        service.jobEnd(jobId).then(
          () => false,
          () => true,
        ),
      ]);
    let service = await run.start('fault');
    for (let start = 2; await killedBeforeTheEnd(service); start++) {
      expect(start).toBeLessThanOrEqual(maxAttempts);
      service = await run.start('fault');
    }

    const read = readerAfter(
      service,
      await expectEnded(service, [jobId], 'RepoActionFailed'),
    );
    expect(await read<JobResource>(`/jobs/${jobId}`)).toMatchObject({
      status: 'error',
      attempt: maxAttempts,
      error: { code: 'JOB.INTERRUPTED' },
    });
    const started = (await historyOf(read, run.repoId)).filter(
      (h) => h.jobId === jobId && h.type === 'RepoActionStarted',
    );
    expect(started).toHaveLength(maxAttempts);
    expect(refsOf(run.origin)).toEqual(run.world.heads);
    await expectStoppedCleanly(run, service, [jobId]);
  });
});
