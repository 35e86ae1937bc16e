import { ServerCommandLoad } from '../src/infrastructure/http/command-load';
import type { JobResource } from '../src/read-models/job/job.resource';
import type { RegisteredRepoResource } from '../src/read-models/repo/repo.resource';
import { GitFixture } from './support/git-fixture';
import { deliverGithub } from './support/github-hook';
import { TestApp } from './support/test-app';

const ORG1 = 'tok-one';
const ORG2 = 'tok-two';

describe('org isolation with bearer tokens', () => {
  let fx: GitFixture;
  let t: TestApp;

  beforeEach(async () => {
    fx = new GitFixture();
    t = await TestApp.start(undefined, {
      STACKYARD_TOKENS: `${ORG1}=org1,${ORG2}=org2`,
      STACKYARD_WEBHOOK_HOSTS: '127.0.0.1:9',
    });
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
    fx.dispose();
  });

  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  it('refuses requests without a known token, except health, metrics and docs', async () => {
    const none = await t.http().get('/repos').expect(401);
    expect(none.body).toMatchObject({ error: { code: 'AUTH.UNAUTHORIZED' } });
    await t.http().get('/repos').set(as('forged')).expect(401);
    await t.http().get('/health').expect(200);
    await t.http().get('/metrics').expect(200);
    await t.http().get('/docs').expect(200);
  });

  it('counts a command as load only once the auth guard has let it through', async () => {
    const count = jest.spyOn(t.app.get(ServerCommandLoad), 'count');
    await t.http().post('/repos').send({ name: 'x' }).expect(401);
    await t.http().get('/repos').set(as(ORG1)).expect(200);
    expect(count).not.toHaveBeenCalled();
    // Refused by validation after the guards: counted, and released with its answer.
    await t.http().post('/repos').set(as(ORG1)).send({ name: '' }).expect(400);
    expect(count).toHaveBeenCalledTimes(1);
    expect(t.app.get(ServerCommandLoad).busy).toBe(false);
  });

  it("takes forge hooks without a token: the signature is their credential, and the repo stays its org's", async () => {
    const secret = 'org-one-hook-secret-0123';
    const created = await t
      .http()
      .post('/repos')
      .set(as(ORG1))
      .send({ name: 'hooked', remoteUrl: fx.origin, webhookSecret: secret })
      .expect(202);
    const repo = created.body as RegisteredRepoResource;
    await t.jobEnd(repo.initialJobId);
    const ping = { zen: 'Avoid administrative distraction.', hook_id: 1 };

    const signed = await deliverGithub(t, repo.repoId, {
      event: 'ping',
      secret,
      payload: ping,
    }).expect(200);
    expect(signed.body).toMatchObject({ outcome: 'pong' });
    const unsigned = await deliverGithub(t, repo.repoId, {
      event: 'ping',
      secret: null,
      payload: ping,
    }).expect(401);
    expect(unsigned.body).toMatchObject({
      error: { code: 'HOOK.UNAUTHORIZED' },
    });
    // Another org's token changes nothing of it.
    await t
      .http()
      .put(`/repos/${repo.repoId}/settings`)
      .set(as(ORG2))
      .send({ autoRestack: true })
      .expect(404);
    await t
      .http()
      .delete(`/repos/${repo.repoId}/webhook-secret`)
      .set(as(ORG2))
      .expect(404);
    await deliverGithub(t, repo.repoId, {
      event: 'ping',
      secret,
      payload: ping,
    }).expect(200);
  });

  it('shows one org nothing of another, exactly as if it did not exist', async () => {
    const created = await t
      .http()
      .post('/repos')
      .set(as(ORG1))
      .send({ name: 'secret', remoteUrl: fx.origin })
      .expect(202);
    const repo = created.body as RegisteredRepoResource;
    const jobId = repo.initialJobId;
    await t.jobEnd(jobId);
    await t.job(jobId, ORG1);
    const task = await t
      .http()
      .post(`/repos/${repo.repoId}/tasks`)
      .set(as(ORG1))
      .send({ title: 'Secret task', branchName: 'secret-branch' })
      .expect(202);
    const taskId = (task.body as { taskId: string }).taskId;

    const probes: Array<[string, string, object?]> = [
      ['get', `/repos/${repo.repoId}`],
      ['get', `/repos/${repo.repoId}/jobs`],
      ['get', `/repos/${repo.repoId}/history`],
      ['get', `/jobs/${jobId}`],
      ['post', `/jobs/${jobId}/cancel`],
      ['post', `/jobs/${jobId}/undo`],
      ['get', `/jobs/${jobId}/events`],
      ['post', `/repos/${repo.repoId}/actions`, { action: 'sync_repo' }],
      ['get', `/events?repoId=${repo.repoId}`],
      ['get', `/events?jobId=${jobId}`],
      ['get', `/tasks/${taskId}`],
      ['get', `/repos/${repo.repoId}/tasks`],
      [
        'post',
        `/repos/${repo.repoId}/tasks`,
        { title: 'Theirs', branchName: 'other' },
      ],
      [
        'put',
        `/repos/${repo.repoId}/webhook-secret`,
        { webhookSecret: 'their-webhook-secret-0123' },
      ],
      ['delete', `/repos/${repo.repoId}/webhook-secret`],
      ['put', `/repos/${repo.repoId}/settings`, { autoRestack: true }],
    ];
    const send = (method: string, path: string, body?: object) =>
      method === 'get'
        ? t.http().get(path)
        : method === 'delete'
          ? t.http().delete(path)
          : (method === 'put' ? t.http().put(path) : t.http().post(path)).send(
              body ?? {},
            );
    for (const [method, path, body] of probes) {
      const theirs = await send(method, path, body).set(as(ORG2));
      const unknownPath = path
        .replace(repo.repoId, 'nope')
        .replace(jobId, 'nope')
        .replace(taskId, 'nope');
      const unknown = await send(method, unknownPath, body).set(as(ORG2));
      expect({
        path,
        status: theirs.status,
        body: theirs.body as unknown,
      }).toEqual({
        path,
        status: 404,
        body: {
          error: {
            code: (unknown.body as { error: { code: string } }).error.code,
            message: expect.any(String) as string,
          },
        },
      });
      expect(unknown.status).toBe(404);
    }
    const list = await t.http().get('/repos').set(as(ORG2)).expect(200);
    expect(list.body).toEqual({ items: [] });
    // The same name in another org is another repo.
    await t
      .http()
      .post('/repos')
      .set(as(ORG2))
      .send({ name: 'secret', remoteUrl: fx.origin })
      .expect(202);
  });

  it("never sends an org another org's events over SSE", async () => {
    const url = `${await t.app.getUrl()}/events`;
    const head = await t.store.headPosition();
    const abort = new AbortController();
    const stream = await fetch(url, {
      headers: { ...as(ORG2), 'last-event-id': String(head) },
      signal: abort.signal,
    });
    expect(stream.status).toBe(200);
    const theirs = (
      await t
        .http()
        .post('/repos')
        .set(as(ORG1))
        .send({ name: 'one', remoteUrl: fx.origin })
        .expect(202)
    ).body as RegisteredRepoResource;
    await t.jobEnd(theirs.initialJobId);
    const mine = (
      await t
        .http()
        .post('/repos')
        .set(as(ORG2))
        .send({ name: 'two', remoteUrl: fx.origin })
        .expect(202)
    ).body as RegisteredRepoResource;

    // Read ORG2's stream until its own job completes: everything before it is ORG2's too.
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of stream.body!) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      if (text.includes('"type":"RepoActionCompleted"')) break;
    }
    abort.abort();
    const repoIds = [...text.matchAll(/"repoId":"([^"]+)"/g)].map((m) => m[1]);
    expect(repoIds.length).toBeGreaterThan(3);
    expect(new Set(repoIds)).toEqual(new Set([mine.repoId]));
    expect(text).not.toContain(theirs.initialJobId);
  });

  it("lists only the caller's jobs and pages them newest first", async () => {
    const repo = (
      await t
        .http()
        .post('/repos')
        .set(as(ORG1))
        .send({ name: 'r', remoteUrl: fx.origin })
        .expect(202)
    ).body as RegisteredRepoResource;
    const ids = [repo.initialJobId];
    for (let i = 0; i < 4; i++) {
      const job = await t
        .http()
        .post(`/repos/${repo.repoId}/actions`)
        .set(as(ORG1))
        .send({ action: 'sync_repo' })
        .expect(202);
      ids.push((job.body as JobResource).jobId);
    }
    for (const id of ids) await t.jobEnd(id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await t
        .http()
        .get(
          `/repos/${repo.repoId}/jobs?limit=2&status=completed${cursor ? `&cursor=${cursor}` : ''}`,
        )
        .set(as(ORG1))
        .expect(200);
      const body = page.body as {
        items: JobResource[];
        nextCursor: string | null;
      };
      seen.push(...body.items.map((j) => j.jobId));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it("answers 404 for another org's subscription on every route, and lists none of it", async () => {
    // Nothing listens on the discard port: deliveries fail and are retried, unseen here.
    const created = await t
      .http()
      .post('/subscriptions')
      .set(as(ORG1))
      .send({ url: 'http://127.0.0.1:9/hook' })
      .expect(201);
    const { subscriptionId } = created.body as { subscriptionId: string };
    for (const [method, path] of [
      ['get', `/subscriptions/${subscriptionId}`],
      ['get', `/subscriptions/${subscriptionId}/deliveries`],
      ['post', `/subscriptions/${subscriptionId}/resume`],
      ['delete', `/subscriptions/${subscriptionId}`],
    ] as const) {
      const res = await t.http()[method](path).set(as(ORG2));
      const code = (res.body as { error?: { code?: string } }).error?.code;
      expect({ path, status: res.status, code }).toEqual({
        path,
        status: 404,
        code: 'SUBSCRIPTION.NOT_FOUND',
      });
    }
    const theirs = await t
      .http()
      .get('/subscriptions')
      .set(as(ORG2))
      .expect(200);
    expect(theirs.body).toEqual({ items: [] });
    // Still there, and still the owner's.
    await t
      .http()
      .get(`/subscriptions/${subscriptionId}`)
      .set(as(ORG1))
      .expect(200);
  });
});
