import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HealthResource } from '../../src/read-models/health/health.resource';
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
import { awaitProcessIn, settledProcessesIn } from './support/processes';
import { refsOf } from './support/stack-origin';
import { Tmpfs } from './support/tmpfs';

/** Retries a tenth of a second apart at first, instead of half a second. */
const FAST_RETRIES = { STACKYARD_RETRY_BASE_MS: '100' };

/**
 * What the service depends on fails under it: the remote, a git process, the disk, the
 * files it keeps as caches. Each test starts the compiled service on a fresh copy of the
 * crash harness's world (a stack of four branches whose trunk moved), brings the fault
 * about, and checks the job's outcome by the retry policy and the harness's invariants.
 */
describe('faults in what the service depends on', () => {
  let run: CrashRun;
  useCrashLab((next) => (run = next));

  /** The job as the read models have it once they include its end, and its own history. */
  async function endedJob(
    service: FaultService,
    jobId: string,
    type: 'RepoActionCompleted' | 'RepoActionFailed',
  ): Promise<{ job: JobResource; history: string[] }> {
    const read = readerAfter(
      service,
      await expectEnded(service, [jobId], type),
    );
    const history = (await historyOf(read, run.repoId))
      .filter((h) => h.jobId === jobId)
      .map((h) => h.type);
    return { job: await read<JobResource>(`/jobs/${jobId}`), history };
  }

  const count = (types: readonly string[], type: string) =>
    types.filter((t) => t === type).length;

  describe('the remote', () => {
    it('unreachable for two attempts, then back: the job records two retries and completes', async () => {
      run.git.arm({
        command: 'fetch',
        nth: 1,
        times: 2,
        action: 'unreachable',
      });
      const service = await run.start('fault', FAST_RETRIES);
      const jobId = await run.request(service, { action: 'restack_repo' });

      const { job, history } = await endedJob(
        service,
        jobId,
        'RepoActionCompleted',
      );
      expect(job).toMatchObject({ status: 'completed', attempt: 3 });
      expect(count(history, 'RepoActionRetryScheduled')).toBe(2);
      expect(run.git.fired()).toContain('fetch');
      await expectRecovered(run, service, [jobId]);
    });

    it('unreachable when the push comes: the attempt is retried and the job completes', async () => {
      run.git.arm({ command: 'push', nth: 1, action: 'unreachable' });
      const service = await run.start('fault', FAST_RETRIES);
      const jobId = await run.request(service, { action: 'restack_repo' });

      const { job, history } = await endedJob(
        service,
        jobId,
        'RepoActionCompleted',
      );
      expect(job).toMatchObject({ status: 'completed', attempt: 2 });
      expect(count(history, 'RepoActionRetryScheduled')).toBe(1);
      expect(run.git.fired()).toContain('push');
      await expectRecovered(run, service, [jobId]);
    });

    it('unreachable for good: the job ends in error with GIT.REMOTE_UNAVAILABLE after its last attempt', async () => {
      const { maxAttempts } = DEFAULT_RETRY_POLICY;
      run.git.arm({ command: 'fetch', nth: 'every', action: 'unreachable' });
      const service = await run.start('fault', FAST_RETRIES);
      const jobId = await run.request(service, { action: 'restack_repo' });

      const { job, history } = await endedJob(
        service,
        jobId,
        'RepoActionFailed',
      );
      expect(job).toMatchObject({
        status: 'error',
        attempt: maxAttempts,
        error: {
          code: 'GIT.REMOTE_UNAVAILABLE',
          message: expect.stringContaining(
            'Could not read from remote repository',
          ) as unknown,
        },
      });
      expect(count(history, 'RepoActionStarted')).toBe(maxAttempts);
      expect(count(history, 'RepoActionRetryScheduled')).toBe(maxAttempts - 1);
      expect(run.git.calls()).toBe(maxAttempts);
      expect(refsOf(run.origin)).toEqual(run.world.heads);
      await expectStoppedCleanly(run, service, [jobId]);
    });
  });

  describe('a git process that hangs', () => {
    it('past the step timeout: its whole process group is killed, the job fails with JOB.STEP_TIMEOUT (not retried), and the next job runs', async () => {
      run.git.arm({ command: 'fetch', nth: 1, action: 'hang' });
      const service = await run.start('fault', {
        ...FAST_RETRIES,
        STACKYARD_STEP_TIMEOUT_MS: '2000',
      });
      const hung = await run.request(service, { action: 'restack_repo' });

      const { job, history } = await endedJob(
        service,
        hung,
        'RepoActionFailed',
      );
      expect(job).toMatchObject({
        status: 'error',
        attempt: 1,
        error: { code: 'JOB.STEP_TIMEOUT' },
      });
      expect(history).not.toContain('RepoActionRetryScheduled');
      // The wrapper became git and left a sleep beside it; git started a shell and another
      // sleep for the remote. None of them may outlive the timeout (the service itself, still
      // running in the folder, aside).
      expect(run.git.hungPids()).toHaveLength(2);
      expect(await settledProcessesIn(run.dir, 15_000, [service.pid])).toEqual(
        [],
      );

      run.git.disarm();
      const next = await run.request(service, { action: 'restack_repo' });
      await expectRecovered(run, service, [next]);
    });

    it('inside a ref transaction, past the step timeout: killed with its locks taken, the locks are removed before the next job of the repo, which completes without a restart', async () => {
      run.git.arm({ command: 'update-ref', nth: 1, action: 'hang-at-prepare' });
      const service = await run.start('fault', {
        ...FAST_RETRIES,
        STACKYARD_STEP_TIMEOUT_MS: '2000',
      });
      const hung = await run.request(service, { action: 'restack_repo' });
      const { job } = await endedJob(service, hung, 'RepoActionFailed');
      expect(job).toMatchObject({
        status: 'error',
        error: { code: 'JOB.STEP_TIMEOUT' },
      });
      expect(run.git.fired()).toContain('update-ref');
      expect(await settledProcessesIn(run.dir, 15_000, [service.pid])).toEqual(
        [],
      );
      expect(
        readdirSync(
          join(run.dataDir, 'repos', `${run.repoId}.git`, 'refs', 'heads'),
        ).filter((f) => f.endsWith('.lock')),
      ).toEqual([]);

      run.git.disarm();
      const next = await run.request(service, { action: 'restack_repo' });
      await expectRecovered(run, service, [next]);
    });

    it('at shutdown: the job is recorded interrupted, its git killed with everything it started, and the next start completes it', async () => {
      run.git.arm({ command: 'fetch', nth: 1, action: 'hang' });
      const service = await run.start('fault', {
        STACKYARD_SHUTDOWN_GRACE_MS: '200',
      });
      const jobId = await run.request(service, { action: 'restack_repo' });
      await awaitProcessIn(run.dir, /git-upload-pack/);

      expect(await service.stop()).toEqual({ code: 0, signal: null });
      expect(run.jobEvents(jobId).at(-1)).toBe('RepoActionInterrupted');
      expect(await settledProcessesIn(run.dir)).toEqual([]);

      run.git.disarm();
      await expectRecovered(run, await run.start('plain'), [jobId]);
    });
  });

  describe('a cache lost between runs', () => {
    const readModelsFile = () => join(run.dataDir, 'read-models.sqlite');

    /** A completed restack, so that every read model has rows; the service is stopped. */
    async function restackedAndStopped(): Promise<string> {
      const service = await run.start('plain');
      const jobId = await run.request(service, { action: 'restack_repo' });
      await expectEnded(service, [jobId], 'RepoActionCompleted');
      expect(await service.stop()).toEqual({ code: 0, signal: null });
      return jobId;
    }

    it('the read-model file deleted: the next start makes a new one and rebuilds the read models from the store', async () => {
      const jobId = await restackedAndStopped();
      for (const suffix of ['', '-wal', '-shm'])
        rmSync(`${readModelsFile()}${suffix}`, { force: true });

      const service = await run.start('plain');
      await expectRecovered(run, service, [jobId]);
    });

    it('the read-model file overwritten with garbage: the next start moves it aside, says so in one line, and rebuilds the read models from the store', async () => {
      const jobId = await restackedAndStopped();
      const garbage = 'not a database '.repeat(4096);
      writeFileSync(readModelsFile(), garbage);

      const service = await run.start('plain');
      const setAside = readdirSync(run.dataDir).filter((f) =>
        f.startsWith('read-models.sqlite.corrupt-'),
      );
      expect(setAside).toHaveLength(1);
      expect(readFileSync(join(run.dataDir, setAside[0]!), 'utf8')).toBe(
        garbage,
      );
      expect(
        service
          .logs()
          .split('\n')
          .filter((l) => l.includes(setAside[0]!)),
      ).toEqual([
        expect.stringContaining('the read models are rebuilt') as unknown,
      ]);
      await expectRecovered(run, service, [jobId]);
    });

    it("the repo's clone deleted under the running service: the next job clones it again and completes", async () => {
      const service = await run.start('plain');
      // A first job opens the repo's long-running git helpers on the clone.
      const first = await run.request(service, {
        action: 'restack_subtree',
        branchName: 'd',
      });
      await expectEnded(service, [first], 'RepoActionCompleted');
      const clone = join(run.dataDir, 'repos', `${run.repoId}.git`);
      rmSync(clone, { recursive: true, force: true });

      const jobId = await run.request(service, { action: 'restack_repo' });
      await expectEnded(service, [jobId], 'RepoActionCompleted');
      expect(refsOf(clone, 'refs/remotes/origin/')).toEqual(refsOf(run.origin));
      await expectRecovered(run, service, [first, jobId]);
    });
  });

  describe('a full disk', () => {
    let disk: Tmpfs | undefined;

    afterEach(async () => {
      try {
        // The services go first: a file open in the tmpfs would keep it busy.
        await run.killAll();
      } finally {
        disk?.unmount();
        disk = undefined;
      }
    });
    // Should the unmount above have failed, the mount is still given back before the run ends.
    afterAll(() => disk?.unmount());

    /** `GET /health` until it answers 200: recovery by itself has no event to await. */
    async function healthyAgain(
      service: FaultService,
    ): Promise<HealthResource> {
      const end = Date.now() + 30_000;
      for (;;) {
        const health = await service.read<HealthResource>('/health');
        if (health.status === 200) return health.body;
        if (Date.now() >= end)
          throw new Error(
            `/health still ${health.status}: ${JSON.stringify(health.body)}\n${service.logs()}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    it('refuses commands with 503 STORE.UNAVAILABLE and reports it on /health while the data dir is full, loses nothing it accepted, and once space returns recovers by itself and completes every accepted job', async () => {
      disk = Tmpfs.mountOver(run.dataDir, '8m');
      // The first job holds its fetch until the disk is full, so that it runs into it.
      run.git.arm({ command: 'fetch', nth: 1, action: 'hold' });
      const service = await run.start('fault');
      const first = await run.request(service, {
        action: 'restack_subtree',
        branchName: 'd',
      });
      await service.awaitEvent(
        { jobId: first },
        (e) => e.type === 'RepoActionStepStarted' && e.data.step === 'pre_sync',
      );
      const queued = await run.request(service, { action: 'restack_repo' });

      const filler = disk.fill();
      const key = { 'idempotency-key': 'asked-while-the-disk-was-full' };
      const refused = await service.post<unknown>(
        `/repos/${run.repoId}/actions`,
        { action: 'restack_repo' },
        key,
      );
      expect(refused).toEqual({
        status: 503,
        body: {
          error: {
            code: 'STORE.UNAVAILABLE',
            message: expect.stringContaining('disk full') as unknown,
          },
        },
      });
      expect(await service.read<HealthResource>('/health')).toMatchObject({
        status: 503,
        body: {
          status: 'unavailable',
          eventStore: 'unavailable',
          eventStoreError: {
            code: expect.stringMatching(/^SQLITE_FULL/) as unknown,
          },
        },
      });
      // The running job meets the full disk too: the store refuses what it records, and
      // the job keeps its place for a later turn.
      run.git.open();
      await service.awaitOutput(
        new RegExp(`job ${first}: its turn failed .*disk full`),
      );

      rmSync(filler);
      expect(await healthyAgain(service)).toMatchObject({
        status: 'ok',
        eventStore: 'open',
      });
      // The refused request recorded nothing: the same key makes a new job now.
      const retried = await service.post<JobResource>(
        `/repos/${run.repoId}/actions`,
        { action: 'restack_repo' },
        key,
      );
      expect(retried.status).toBe(202);
      await expectRecovered(run, service, [first, queued, retried.body.jobId]);
    });
  });
});
