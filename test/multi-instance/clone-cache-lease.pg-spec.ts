import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { JobResource } from '../../src/read-models/job/job.resource';
import type { RegisteredRepoResource } from '../../src/read-models/repo/repo.resource';
import { FaultService } from '../faults/support/fault-service';
import { GitFixture } from '../support/git-fixture';

const URL =
  process.env.STACKYARD_TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
/**
 * Longer than any wait of the test: a repo whose lease was not given up could not change
 * instance before the test fails.
 */
const LEASE_MS = 120_000;

/**
 * Two compiled service processes on one PostgreSQL schema: the first with a clone budget no
 * clone fits, so it evicts each clone once its repo is idle and gives the repo's lease up.
 */
describe('a clone evicted by one instance', () => {
  let root: string;
  let schema: string;
  let fx: GitFixture;
  let instances: FaultService[];

  const start = (i: number, env: Record<string, string> = {}) =>
    FaultService.start({
      cwd: root,
      dataDir: join(root, `data-${i}`),
      tmpDir: join(root, 'tmp'),
      env: {
        STACKYARD_DATABASE_URL: URL,
        STACKYARD_DATABASE_SCHEMA: schema,
        STACKYARD_INSTANCE_ID: `instance-${i}`,
        STACKYARD_LEASE_MS: String(LEASE_MS),
        ...env,
      },
    });
  const cloneOf = (i: number, repoId: string) =>
    join(root, `data-${i}`, 'repos', `${repoId}.git`);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'stackyard-clone-lease-'));
    mkdirSync(join(root, 'tmp'));
    schema = `cc_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    fx = new GitFixture();
    fx.stack(['a']);
    instances = [];
  });

  afterEach(async () => {
    for (const instance of instances) {
      instance.child.kill('SIGCONT');
      await instance.kill();
    }
    const client = new Client({ connectionString: URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    fx.dispose();
    rmSync(root, { recursive: true, force: true, maxRetries: 5 });
  });

  it('gives its repo up at once: the next job runs on another instance while the first still lives', async () => {
    const first = await start(0, { STACKYARD_CLONE_CACHE_BYTES: '1' });
    instances.push(first);
    const registered = await first.post<RegisteredRepoResource>('/repos', {
      name: 'evicted',
      remoteUrl: fx.origin,
    });
    expect(registered.status).toBe(202);
    const { repoId, initialJobId } = registered.body;
    expect((await first.jobEnd(initialJobId)).type).toBe('RepoActionCompleted');
    await first.awaitOutput(
      new RegExp(`^evicted the clone of repo ${repoId} \\(\\d+ bytes\\)`),
    );
    expect(existsSync(cloneOf(0, repoId))).toBe(false);

    const second = await start(1);
    instances.push(second);
    // The first instance stays alive but stopped: had it kept the repo's lease (renewed
    // while it lives), the repo could not move before the lease ran out.
    first.child.kill('SIGSTOP');
    const res = await second.post<JobResource>(`/repos/${repoId}/actions`, {
      action: 'sync_repo',
    });
    expect(res.status).toBe(202);
    const started = await second.awaitEvent(
      { jobId: res.body.jobId },
      (e) => e.type === 'RepoActionStarted',
      30_000,
    );
    expect(started.data).toMatchObject({ worker: 'instance-1' });
    expect((await second.jobEnd(res.body.jobId)).type).toBe(
      'RepoActionCompleted',
    );
    expect(existsSync(cloneOf(1, repoId))).toBe(true);
  });
});
