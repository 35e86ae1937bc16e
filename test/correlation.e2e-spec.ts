import {
  jobStream,
  repoStream,
  subscriptionStream,
  taskStream,
} from '../src/domain/streams';
import type { RegisteredRepoResource } from '../src/read-models/repo/repo.resource';
import { GitFixture } from './support/git-fixture';
import { TestApp } from './support/test-app';

describe('events correlated with the request that appended them', () => {
  let fx: GitFixture;
  let t: TestApp;

  beforeEach(async () => {
    fx = new GitFixture();
    fx.stack(['a']);
    t = await TestApp.start(undefined, {
      STACKYARD_WEBHOOK_HOSTS: '127.0.0.1:9',
    });
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
    fx.dispose();
  });

  /** The correlation ids of a stream's events, oldest first. */
  const correlations = async (stream: string) =>
    (await t.store.readStream(stream)).map((e) => e.metadata.correlationId);

  it("carries each command's X-Request-Id into the events it appends, the jobs it queues included", async () => {
    const as = (id: string) => ({ 'x-request-id': id });
    const registered = await t
      .http()
      .post('/repos')
      .set(as('r-register'))
      .send({ name: 'demo', remoteUrl: fx.origin })
      .expect(202);
    const repo = registered.body as RegisteredRepoResource;
    await t.jobEnd(repo.initialJobId);
    expect((await correlations(jobStream(repo.initialJobId)))[0]).toBe(
      'r-register',
    );

    await t
      .http()
      .put(`/repos/${repo.repoId}/settings`)
      .set(as('r-settings'))
      .send({ autoRestack: true })
      .expect(200);
    await t
      .http()
      .put(`/repos/${repo.repoId}/webhook-secret`)
      .set(as('r-secret-set'))
      .send({ webhookSecret: 'a-webhook-secret-0123' })
      .expect(200);
    await t
      .http()
      .delete(`/repos/${repo.repoId}/webhook-secret`)
      .set(as('r-secret-removed'))
      .expect(200);
    expect((await correlations(repoStream(repo.repoId))).slice(0, 1)).toEqual([
      'r-register',
    ]);
    expect(await correlations(repoStream(repo.repoId))).toEqual(
      expect.arrayContaining([
        'r-settings',
        'r-secret-set',
        'r-secret-removed',
      ]),
    );

    const task = await t
      .http()
      .post(`/repos/${repo.repoId}/tasks`)
      .set(as('r-task'))
      .send({ title: 'Task', branchName: 'task-1' })
      .expect(202);
    const taskId = (task.body as { taskId: string }).taskId;
    expect((await correlations(taskStream(taskId)))[0]).toBe('r-task');

    const created = await t
      .http()
      .post('/subscriptions')
      .set(as('r-subscribe'))
      .send({ url: 'http://127.0.0.1:9/hook' })
      .expect(201);
    const subscriptionId = (created.body as { subscriptionId: string })
      .subscriptionId;
    await t
      .http()
      .delete(`/subscriptions/${subscriptionId}`)
      .set(as('r-unsubscribe'))
      .expect(200);
    expect(await correlations(subscriptionStream(subscriptionId))).toEqual([
      'r-subscribe',
      'r-unsubscribe',
    ]);
  });
});
