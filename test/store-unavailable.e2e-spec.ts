import type { JobResource } from '../src/read-models/job/job.resource';
import type { RegisteredRepoResource } from '../src/read-models/repo/repo.resource';
import { GitFixture } from './support/git-fixture';
import { connectionOf } from './support/sqlite-connection';
import { TestApp } from './support/test-app';

// The store's own connection is made read-only (`PRAGMA query_only`), so its writes fail
// with SQLITE_READONLY exactly as on a read-only mount; switching it back is the storage
// taking writes again. (A full disk, SQLITE_FULL, is proved on the store itself, in its
// integration spec.)
describe('a store that cannot write', () => {
  let fx: GitFixture;
  let t: TestApp;

  beforeEach(async () => {
    fx = new GitFixture();
    t = await TestApp.start();
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
    fx.dispose();
  });

  const readOnly = (on: boolean) =>
    connectionOf(t.store).pragma(`query_only = ${on ? 'ON' : 'OFF'}`);

  const register = (name: string) =>
    t.http().post('/repos').send({ name, remoteUrl: fx.origin });

  it('answers commands with 503 STORE.UNAVAILABLE and /health with 503, both by themselves ready again once writes succeed', async () => {
    const first = await register('first').expect(202);
    const repo = first.body as RegisteredRepoResource;
    await t.jobEnd(repo.initialJobId);
    const healthy = await t.http().get('/health').expect(200);
    expect(healthy.body).toMatchObject({ status: 'ok', eventStore: 'open' });
    const head = await t.store.headPosition();

    readOnly(true);
    for (const refused of [
      await register('second'),
      await t
        .http()
        .post(`/repos/${repo.repoId}/actions`)
        .send({ action: 'sync_repo' }),
      await t
        .http()
        .post(`/repos/${repo.repoId}/tasks`)
        .send({ title: 'A task', branchName: 'feature' }),
    ]) {
      expect({ status: refused.status, body: refused.body as unknown }).toEqual(
        {
          status: 503,
          body: {
            error: {
              code: 'STORE.UNAVAILABLE',
              message: expect.stringContaining('read-only') as unknown,
            },
          },
        },
      );
    }
    const unhealthy = await t.http().get('/health').expect(503);
    expect(unhealthy.body).toMatchObject({
      status: 'unavailable',
      eventStore: 'unavailable',
      eventStoreError: { code: 'SQLITE_READONLY' },
    });
    // Reads go on from the read models meanwhile.
    await t.http().get(`/repos/${repo.repoId}`).expect(200);
    expect(await t.store.headPosition()).toBe(head);

    readOnly(false);
    // No command came: the health check's own probe write finds the store writable.
    const recovered = await t.http().get('/health').expect(200);
    expect(recovered.body).toMatchObject({ status: 'ok', eventStore: 'open' });
    expect(recovered.body).not.toHaveProperty('eventStoreError');
    const accepted = await t
      .http()
      .post(`/repos/${repo.repoId}/actions`)
      .send({ action: 'sync_repo' })
      .expect(202);
    await t.jobEnd((accepted.body as JobResource).jobId);
  });

  it('is ready again after the first command that succeeds', async () => {
    readOnly(true);
    await register('first').expect(503);
    await t.http().get('/health').expect(503);
    readOnly(false);
    const repo = (await register('first').expect(202))
      .body as RegisteredRepoResource;
    await t.http().get('/health').expect(200);
    await t.jobEnd(repo.initialJobId);
  });
});
