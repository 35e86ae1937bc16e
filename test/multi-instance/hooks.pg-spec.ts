import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { githubSignatureOf } from '../../src/infrastructure/hooks/hook-signature';
import type { RegisteredRepoResource } from '../../src/read-models/repo/repo.resource';
import { FaultService } from '../faults/support/fault-service';
import { GitFixture } from '../support/git-fixture';
import { aGithubPush } from '../support/github-hook';

const URL =
  process.env.STACKYARD_TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const SECRET = `hook-secret-${randomUUID()}`;

/**
 * Three compiled instances on one PostgreSQL schema sharing `STACKYARD_SECRETS_KEY`: a secret
 * sealed by one is opened by the others, and one delivery sent to all of them is taken once.
 */
describe('GitHub hooks on several instances', () => {
  let root: string;
  let schema: string;
  let fx: GitFixture;
  let instances: FaultService[];
  const key = randomBytes(32).toString('base64');

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'stackyard-hook-instances-'));
    mkdirSync(join(root, 'tmp'));
    schema = `hk_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    fx = new GitFixture();
    instances = [];
    for (const i of [0, 1, 2])
      instances.push(
        await FaultService.start({
          cwd: root,
          dataDir: join(root, `data-${i}`),
          tmpDir: join(root, 'tmp'),
          env: {
            STACKYARD_DATABASE_URL: URL,
            STACKYARD_DATABASE_SCHEMA: schema,
            STACKYARD_INSTANCE_ID: `instance-${i}`,
            STACKYARD_SECRETS_KEY: key,
          },
        }),
      );
  });

  afterEach(async () => {
    for (const instance of instances) await instance.kill();
    const client = new Client({ connectionString: URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    fx.dispose();
    rmSync(root, { recursive: true, force: true, maxRetries: 5 });
  });

  it('takes one delivery sent to three instances at once once: one 202 and its job, two duplicates', async () => {
    const registered = await instances[0]!.post<RegisteredRepoResource>(
      '/repos',
      { name: 'demo', remoteUrl: fx.origin, webhookSecret: SECRET },
    );
    expect(registered.status).toBe(202);
    const { repoId, initialJobId } = registered.body;
    expect((await instances[0]!.jobEnd(initialJobId)).type).toBe(
      'RepoActionCompleted',
    );
    const before = fx.originHead('main');
    const payload = aGithubPush({
      ref: 'refs/heads/main',
      before,
      after: fx.advance(),
      cloneUrl: fx.origin,
    });
    const headers = {
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': githubSignatureOf(SECRET, JSON.stringify(payload)),
    };

    const answers = await Promise.all(
      instances.map((via) =>
        via.post<{ jobId: string; duplicate: boolean; outcome: string }>(
          `/hooks/github/${repoId}`,
          payload,
          headers,
        ),
      ),
    );

    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 202]);
    expect(answers.filter((a) => a.body.duplicate)).toHaveLength(2);
    expect(new Set(answers.map((a) => a.body.jobId)).size).toBe(1);
    expect(answers.every((a) => a.body.outcome === 'sync_queued')).toBe(true);
    const end = await instances[2]!.jobEnd(answers[0]!.body.jobId);
    expect(end.type).toBe('RepoActionCompleted');
    const jobs = await instances[1]!.get<{ items: Array<{ action: string }> }>(
      `/repos/${repoId}/jobs?minPosition=${end.position}`,
    );
    expect(jobs.items.map((j) => j.action)).toEqual(['sync_repo', 'sync_repo']);
  });
});
