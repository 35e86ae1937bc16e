import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { JobResource } from '../../src/read-models/job/job.resource';
import type { ReadinessResource } from '../../src/read-models/health/health.resource';
import type { RegisteredRepoResource } from '../../src/read-models/repo/repo.resource';
import { FaultGit } from '../faults/support/fault-git';
import { FaultService } from '../faults/support/fault-service';
import { historyOf, readerAfter } from '../faults/support/invariants';
import { refsOf, shapesOf, StackOrigin } from '../faults/support/stack-origin';

const URL =
  process.env.STACKYARD_TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const LEASE_MS = 2_000;

/**
 * Three compiled service processes on one PostgreSQL schema, each with its own data dir
 * (its clone cache), sharing the jobs of repos on real bare origins.
 */
describe('several instances on one PostgreSQL database', () => {
  let root: string;
  let schema: string;
  let git: FaultGit;
  let instances: FaultService[];

  const start = (i: number) =>
    FaultService.start({
      cwd: root,
      dataDir: join(root, `data-${i}`),
      tmpDir: join(root, 'tmp'),
      gitBin: git.bin,
      env: {
        STACKYARD_DATABASE_URL: URL,
        STACKYARD_DATABASE_SCHEMA: schema,
        STACKYARD_INSTANCE_ID: `instance-${i}`,
        STACKYARD_LEASE_MS: String(LEASE_MS),
      },
    });

  /** A stack of three branches on an origin, registered and tracked through `via`. */
  async function stackRepo(via: FaultService, name: string) {
    const dir = join(root, name);
    mkdirSync(dir);
    const origin = new StackOrigin(dir, ['a', 'b', 'c']);
    const registered = await via.post<RegisteredRepoResource>('/repos', {
      name,
      remoteUrl: origin.origin,
    });
    expect(registered.status).toBe(202);
    const { repoId } = registered.body;
    const jobs = [registered.body.initialJobId];
    for (const { name: branchName } of origin.branches)
      jobs.push(
        await request(via, repoId, {
          action: 'register_existing_branch',
          branchName,
        }),
      );
    for (const jobId of jobs)
      expect((await via.jobEnd(jobId)).type).toBe('RepoActionCompleted');
    return { origin, repoId };
  }

  async function request(
    via: FaultService,
    repoId: string,
    body: object,
    headers: Record<string, string> = {},
  ): Promise<string> {
    const res = await via.post<JobResource>(
      `/repos/${repoId}/actions`,
      body,
      headers,
    );
    expect(res.status).toBe(202);
    return res.body.jobId;
  }

  /** Which instances hold a clone of `repoId`. */
  const clonesOf = (repoId: string) =>
    [0, 1, 2].filter((i) =>
      existsSync(join(root, `data-${i}`, 'repos', `${repoId}.git`)),
    );

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'stackyard-instances-'));
    mkdirSync(join(root, 'tmp'));
    schema = `mi_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    git = new FaultGit(root);
    instances = [];
    for (const i of [0, 1, 2]) instances.push(await start(i));
  });

  afterEach(async () => {
    for (const instance of instances) await instance.kill();
    const client = new Client({ connectionString: URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    rmSync(root, { recursive: true, force: true, maxRetries: 5 });
  });

  it('runs each repo on one instance, in request order, with one clone per repo, and every instance sees every job live', async () => {
    const repos = [];
    for (const i of [0, 1, 2])
      repos.push(await stackRepo(instances[i]!, `repo-${i}`));
    for (const { origin } of repos) origin.advanceTrunk();
    const oracles = repos.map(({ origin }, i) =>
      origin.restackedByGit(join(root, `oracle-${i}`)),
    );

    // Each repo: a restack and then a sync, asked through different instances.
    const jobs = repos.map(({ repoId }, i) => ({
      repoId,
      restack: '',
      sync: '',
      via: [instances[i]!, instances[(i + 1) % 3]!],
    }));
    for (const job of jobs) {
      job.restack = await request(job.via[0]!, job.repoId, {
        action: 'restack_repo',
      });
      job.sync = await request(job.via[1]!, job.repoId, {
        action: 'sync_repo',
      });
    }
    for (const job of jobs)
      for (const jobId of [job.restack, job.sync])
        // Followed on an instance that did not take the request.
        expect((await instances[2]!.jobEnd(jobId)).type).toBe(
          'RepoActionCompleted',
        );

    for (const [i, { origin, repoId }] of repos.entries()) {
      const remote = refsOf(origin.origin);
      expect(shapesOf(origin.origin, origin.branches, remote)).toEqual(
        oracles[i],
      );
      expect(clonesOf(repoId)).toHaveLength(1);
      const restack = await instances[0]!.get<JobResource>(
        `/jobs/${jobs[i]!.restack}`,
      );
      const sync = await instances[1]!.get<JobResource>(
        `/jobs/${jobs[i]!.sync}`,
      );
      expect(restack.result!.changed).toHaveLength(3);
      // Request order: the sync started after the restack ended.
      expect(Date.parse(sync.startedAt!)).toBeGreaterThanOrEqual(
        Date.parse(restack.finishedAt!),
      );
    }

    // Readiness names who holds what: each repo's lease on the instance with its clone,
    // and one writer of the read models.
    const readiness = await Promise.all(
      instances.map((instance) =>
        instance.get<ReadinessResource>('/health/ready'),
      ),
    );
    for (const { repoId } of repos) {
      const holders = readiness.flatMap((r, i) =>
        r.repoLeases?.includes(repoId) ? [i] : [],
      );
      expect(holders).toEqual(clonesOf(repoId));
    }
    expect(readiness.filter((r) => r.projections.writer)).toHaveLength(1);
  });

  it('the same Idempotency-Key sent to three instances at once makes one job', async () => {
    const { repoId } = await stackRepo(instances[0]!, 'repo');
    const key = randomUUID();

    const answers = await Promise.all(
      instances.map((via) =>
        via.post<JobResource>(
          `/repos/${repoId}/actions`,
          { action: 'sync_repo' },
          { 'idempotency-key': key },
        ),
      ),
    );

    // One 202 for the request that made the job, 200 with the same job for the others.
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 202]);
    expect(new Set(answers.map((a) => a.body.jobId)).size).toBe(1);
    expect((await instances[1]!.jobEnd(answers[0]!.body.jobId)).type).toBe(
      'RepoActionCompleted',
    );
  });

  for (const [moment, action] of [
    ['before its push', 'kill-before'],
    ['after its push landed, before any event recorded it', 'kill-after'],
  ] as const)
    it(`an instance killed with SIGKILL ${moment}: another takes the repo over after the lease and finishes the job, each branch pushed and recorded once`, async () => {
      const { origin, repoId } = await stackRepo(instances[0]!, 'repo');
      origin.advanceTrunk();
      const oracle = origin.restackedByGit(join(root, 'oracle'));
      const [holder] = clonesOf(repoId);
      git.arm({ command: 'push', nth: 1, action });

      const jobId = await request(instances[0]!, repoId, {
        action: 'restack_repo',
      });
      expect(await instances[holder!]!.exited).toEqual({
        code: null,
        signal: 'SIGKILL',
      });
      const pushedByTheDead = refsOf(origin.origin);
      const survivor = instances[(holder! + 1) % 3]!;
      const end = await survivor.jobEnd(jobId);

      expect(end.type).toBe('RepoActionCompleted');
      const remote = refsOf(origin.origin);
      expect(shapesOf(origin.origin, origin.branches, remote)).toEqual(oracle);
      if (action === 'kill-after') expect(remote).toEqual(pushedByTheDead);
      const read = readerAfter(survivor, end.position);
      const job = await read<JobResource>(`/jobs/${jobId}`);
      expect(job.attempt).toBe(2);
      const restacks = (await historyOf(read, repoId)).filter(
        (h) => h.jobId === jobId && h.type === 'BranchRestacked',
      );
      expect(
        restacks.map((r) => (r.data as { branch: string }).branch).sort(),
      ).toEqual(['a', 'b', 'c']);
      for (const r of restacks)
        expect((r.data as { toSha: string }).toSha).toBe(
          remote[(r.data as { branch: string }).branch],
        );
      expect(clonesOf(repoId)).toHaveLength(2);
    });
});
