import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diskUsage } from '../src/infrastructure/git/clone-cache';
import { GitCliEngine } from '../src/infrastructure/git/git-cli-engine';
import type { JobResource } from '../src/read-models/job/job.resource';
import type { RegisteredRepoResource } from '../src/read-models/repo/repo.resource';
import { JobRunnerService } from '../src/sagas/job-runner/job-runner.service';
import {
  parseExposition,
  sampleValue,
} from './read-models/metrics/prometheus-text';
import { GitFixture } from './support/git-fixture';
import { TestApp } from './support/test-app';

/**
 * The clone cache in the running app: three repos of the same shape, a budget one clone
 * fits and two do not. Every job completes (those of evicted repos clone again), and once
 * the jobs are done one clone is left on disk, within the budget, the others evicted.
 */
describe('the clone cache within its disk budget', () => {
  let root: string;
  let origins: GitFixture[];
  let t: TestApp;
  let budget: number;
  let cloneBytes: number;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'stackyard-clone-budget-'));
    origins = [0, 1, 2].map(() => {
      const fx = new GitFixture();
      fx.stack(['a', 'b']);
      return fx;
    });
    // What one clone of such an origin takes, made by the engine as the service makes it.
    const probe = new GitCliEngine(join(root, 'probe'));
    await probe.ensureClone('probe', origins[0]!.origin);
    cloneBytes = (await diskUsage(probe.gitDir('probe')))!.bytes;
    await probe.close();
    // Two such clones do not fit, and one still fits once a restack has added its commits.
    budget = Math.floor(cloneBytes * 1.7);
    t = await TestApp.start(undefined, {
      STACKYARD_CLONE_CACHE_BYTES: String(budget),
    });
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
    for (const fx of origins) fx.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  const clonesOnDisk = () =>
    readdirSync(join(t.dataDir, 'repos')).filter((n) => n.endsWith('.git'));
  const metrics = async () =>
    parseExposition((await t.http().get('/metrics').expect(200)).text);
  /** Every job of this instance done, and the clone cache's last pass over. */
  const cacheIdle = () => t.app.get(JobRunnerService).cloneCache.idle();

  async function act(repoId: string, body: object): Promise<string> {
    const res = await t
      .http()
      .post(`/repos/${repoId}/actions`)
      .send(body)
      .expect(202);
    return (res.body as JobResource).jobId;
  }

  async function allComplete(jobIds: readonly string[]): Promise<void> {
    for (const jobId of jobIds) await t.jobEnd(jobId);
    for (const jobId of jobIds)
      expect(await t.job(jobId)).toMatchObject({ status: 'completed' });
  }

  it('completes every job of three repos and keeps the least recently used clones out, the evicted repos cloning again', async () => {
    const repos: RegisteredRepoResource[] = [];
    for (const [i, fx] of origins.entries()) {
      const res = await t
        .http()
        .post('/repos')
        .send({ name: `repo-${i}`, remoteUrl: fx.origin })
        .expect(202);
      repos.push(res.body as RegisteredRepoResource);
    }
    await allComplete(repos.map((r) => r.initialJobId));
    await cacheIdle();
    expect(clonesOnDisk()).toHaveLength(1);
    let scrape = await metrics();
    expect(sampleValue(scrape, 'stackyard_clone_cache_evictions_total')).toBe(
      2,
    );
    const cached = sampleValue(scrape, 'stackyard_clone_cache_bytes')!;
    expect(cached).toBeGreaterThan(0);
    expect(cached).toBeLessThanOrEqual(budget);

    // Each repo again, all at once: tracking and a restack after trunk moved, on clones
    // that were evicted (cloned again) or kept.
    for (const fx of origins) fx.advance();
    const jobs: string[] = [];
    for (const { repoId } of repos) {
      jobs.push(
        await act(repoId, {
          action: 'register_existing_branch',
          branchName: 'a',
        }),
      );
      jobs.push(
        await act(repoId, {
          action: 'register_existing_branch',
          branchName: 'b',
        }),
      );
      jobs.push(await act(repoId, { action: 'restack_repo' }));
    }
    await allComplete(jobs);
    await cacheIdle();

    for (const fx of origins)
      expect(fx.git(fx.origin, 'rev-parse', 'a~2')).toBe(
        fx.git(fx.origin, 'rev-parse', 'main'),
      );
    expect(clonesOnDisk()).toHaveLength(1);
    scrape = await metrics();
    expect(
      sampleValue(scrape, 'stackyard_clone_cache_evictions_total'),
    ).toBeGreaterThanOrEqual(4);
    expect(
      sampleValue(scrape, 'stackyard_clone_cache_bytes'),
    ).toBeLessThanOrEqual(budget);
  });
});
