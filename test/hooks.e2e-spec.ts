import { HOOK_BODY_LIMIT_BYTES } from '../src/infrastructure/http/raw-body';
import { randomUUID } from 'node:crypto';
import { githubSignatureOf } from '../src/infrastructure/hooks/hook-signature';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegisteredRepoResource } from '../src/read-models/repo/repo.resource';
import { GitFixture } from './support/git-fixture';
import { aGithubPush, deliverGithub } from './support/github-hook';
import {
  eventsAfter,
  readRepo,
  registerRepo,
  registerStack as registerWithStack,
  requested,
} from './support/hook-repos';
import { readSse } from './support/sse';
import { GatedGit, TestApp } from './support/test-app';

const SECRET = `hook-secret-${randomUUID()}`;

/** Registers the fixture's repo, with the secret unless null. */
const register = (
  t: TestApp,
  fx: GitFixture,
  name: string,
  webhookSecret: string | null = SECRET,
) => registerRepo(t, fx, name, webhookSecret);

/** Registers the fixture's repo with the secret, clones it and tracks its stack. */
const registerStack = (t: TestApp, fx: GitFixture, name = 'demo') =>
  registerWithStack(t, fx, SECRET, name);

/** Whether, on the origin, `ancestor` is in the history of `branch`. */
function onTopOf(fx: GitFixture, branch: string, ancestor: string): boolean {
  return (
    fx.tryGit(
      fx.origin,
      'merge-base',
      '--is-ancestor',
      ancestor,
      `refs/heads/${branch}`,
    ).status === 0
  );
}

describe('GitHub push hooks', () => {
  let fx: GitFixture;
  let t: TestApp;

  beforeEach(async () => {
    fx = new GitFixture();
    fx.stack(['feature-a', 'feature-b']);
    t = await TestApp.start();
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
    fx.dispose();
  });

  it('queues exactly one sync for a signed push to trunk, as the hook, and the sync restacks the stack on the origin', async () => {
    const repo = await registerStack(t, fx);
    const before = fx.originHead('main');
    const trunk = fx.advance();
    expect(onTopOf(fx, 'feature-a', trunk)).toBe(false);
    const head = await t.store.headPosition();

    const res = await deliverGithub(t, repo.repoId, {
      secret: SECRET,
      payload: aGithubPush({
        ref: 'refs/heads/main',
        before,
        after: trunk,
        cloneUrl: fx.origin,
      }),
    }).expect(202);

    const answer = res.body as { jobId: string; outcome: string };
    expect(answer).toMatchObject({
      event: 'push',
      outcome: 'sync_queued',
      duplicate: false,
    });
    const recorded = await eventsAfter(t, head);
    expect(requested(recorded)).toHaveLength(1);
    expect(requested(recorded)[0]).toMatchObject({
      data: { jobId: answer.jobId, action: 'sync_repo' },
      metadata: { actor: 'system:github-hook', orgId: 'default' },
    });
    expect(
      recorded.filter((e) => e.type === 'WebhookDeliveryReceived'),
    ).toHaveLength(1);

    const end = await t.jobEnd(answer.jobId);
    expect(end.type).toBe('RepoActionCompleted');
    expect(onTopOf(fx, 'feature-a', trunk)).toBe(true);
    expect(onTopOf(fx, 'feature-b', fx.originHead('feature-a'))).toBe(true);
    const overview = await readRepo(t, repo.repoId);
    expect(overview).toMatchObject({
      trunkSha: trunk,
      webhookSecretSet: true,
      autoRestack: false,
      lastWebhook: { event: 'push', outcome: 'sync_queued' },
    });
    expect(overview.branches.map((b) => b.needsRestack)).toEqual([
      false,
      false,
    ]);
  });

  it('answers a ping with 200, acknowledges other events with 204 without recording them, and refuses without recording anything', async () => {
    const repo = await register(t, fx, 'demo');
    const plain = await register(t, fx, 'no-secret', null);
    await t.jobEnd(repo.initialJobId);
    await t.jobEnd(plain.initialJobId);
    const push = aGithubPush({
      ref: 'refs/heads/main',
      before: fx.originHead('main'),
      after: fx.originHead('main'),
      cloneUrl: fx.origin,
    });

    const ping = await deliverGithub(t, repo.repoId, {
      event: 'ping',
      secret: SECRET,
      payload: { zen: 'Keep it logically awesome.', hook_id: 1 },
    }).expect(200);
    expect(ping.body).toMatchObject({ outcome: 'pong', jobId: null });

    const head = await t.store.headPosition();
    await deliverGithub(t, repo.repoId, {
      event: 'issues',
      secret: SECRET,
      payload: { action: 'opened' },
    }).expect(204);

    const unauthorized = {
      error: {
        code: 'HOOK.UNAUTHORIZED',
        message: expect.any(String) as string,
      },
    };
    const refusals: Array<
      [string, () => ReturnType<typeof deliverGithub>, number, object]
    > = [
      [
        'a wrong signature',
        () =>
          deliverGithub(t, repo.repoId, {
            secret: `${SECRET}-other`,
            payload: push,
          }),
        401,
        unauthorized,
      ],
      [
        'no signature',
        () => deliverGithub(t, repo.repoId, { secret: null, payload: push }),
        401,
        unauthorized,
      ],
      [
        'a malformed signature',
        () =>
          deliverGithub(t, repo.repoId, {
            secret: SECRET,
            signature: 'sha256=zz',
            payload: push,
          }),
        401,
        unauthorized,
      ],
      [
        'a signature of other bytes',
        () =>
          deliverGithub(t, repo.repoId, {
            secret: SECRET,
            signature: deliverSignature(push),
            raw: `${JSON.stringify(push)} `,
          }),
        401,
        unauthorized,
      ],
      [
        'an unknown repo',
        () => deliverGithub(t, 'nope', { secret: SECRET, payload: push }),
        401,
        unauthorized,
      ],
      [
        'a repo without a secret',
        () => deliverGithub(t, plain.repoId, { secret: SECRET, payload: push }),
        401,
        unauthorized,
      ],
      [
        'malformed JSON',
        () =>
          deliverGithub(t, repo.repoId, {
            secret: SECRET,
            raw: '{"ref": "refs/heads/main",',
          }),
        400,
        { error: { code: 'HOOK.INVALID_JSON' } },
      ],
      [
        'a payload without a push',
        () =>
          deliverGithub(t, repo.repoId, {
            secret: SECRET,
            payload: { ref: 'refs/heads/main' },
          }),
        400,
        { error: { code: 'HOOK.INVALID_PAYLOAD' } },
      ],
      [
        'a delivery id that is no UUID',
        () =>
          deliverGithub(t, repo.repoId, {
            secret: SECRET,
            deliveryId: '../../etc',
            payload: push,
          }),
        400,
        { error: { code: 'HOOK.INVALID_DELIVERY_ID' } },
      ],
      [
        'a payload for another repo',
        () =>
          deliverGithub(t, repo.repoId, {
            secret: SECRET,
            payload: {
              ...push,
              repository: {
                full_name: 'acme/other',
                clone_url: '/srv/other.git',
                html_url: 'https://github.example/acme/other',
              },
            },
          }),
        422,
        { error: { code: 'HOOK.REPOSITORY_MISMATCH' } },
      ],
    ];
    // GitHub's default content type: the form's bytes are parsed away before the signature.
    const form = `payload=${encodeURIComponent(JSON.stringify(push))}`;
    refusals.push([
      'a form-encoded body',
      () =>
        t
          .http()
          .post(`/hooks/github/${repo.repoId}`)
          .set('content-type', 'application/x-www-form-urlencoded')
          .set('x-github-event', 'push')
          .set('x-github-delivery', randomUUID())
          .set('x-hub-signature-256', githubSignatureOf(SECRET, form))
          .send(form),
      415,
      { error: { code: 'HOOK.UNSUPPORTED_MEDIA_TYPE' } },
    ]);
    for (const [why, send, status, body] of refusals) {
      const res = await send();
      expect({
        why,
        status: res.status,
        body: res.body as unknown,
      }).toMatchObject({ why, status, body });
    }
    // One answer whatever the reason, so that repo ids cannot be probed.
    const [wrong, unknown] = await Promise.all([
      deliverGithub(t, repo.repoId, { secret: 'x'.repeat(20), payload: push }),
      deliverGithub(t, 'nope', { secret: SECRET, payload: push }),
    ]);
    expect(wrong.body).toEqual(unknown.body);
    expect(await t.store.headPosition()).toBe(head);
  });

  it('takes a delivery id once: a replay answers 200 as a duplicate and records nothing new', async () => {
    const repo = await register(t, fx, 'demo');
    await t.jobEnd(repo.initialJobId);
    const deliveryId = randomUUID();
    const push = aGithubPush({
      ref: 'refs/heads/main',
      before: fx.originHead('main'),
      after: fx.advance(),
      cloneUrl: fx.origin,
    });
    const first = await deliverGithub(t, repo.repoId, {
      secret: SECRET,
      deliveryId,
      payload: push,
    }).expect(202);
    await t.jobEnd((first.body as { jobId: string }).jobId);
    const head = await t.store.headPosition();

    const again = await deliverGithub(t, repo.repoId, {
      secret: SECRET,
      deliveryId: deliveryId.toUpperCase(),
      payload: push,
    }).expect(200);

    expect(again.body).toEqual({
      ...(first.body as object),
      duplicate: true,
    });
    expect(await t.store.headPosition()).toBe(head);
  });

  it('with autoRestack, queues restack_subtree for a foreign push to a tracked branch, and ignores a push of its own publish', async () => {
    const repo = await registerStack(t, fx);
    const settings = await t
      .http()
      .put(`/repos/${repo.repoId}/settings`)
      .send({ autoRestack: true })
      .expect(200);
    expect(settings.body).toEqual({
      repoId: repo.repoId,
      webhookSecretSet: true,
      autoRestack: true,
    });
    const before = fx.originHead('feature-a');
    const moved = fx.advance('feature-a', 'a-more.txt', 'more\n');
    const head = await t.store.headPosition();

    const res = await deliverGithub(t, repo.repoId, {
      secret: SECRET,
      payload: aGithubPush({
        ref: 'refs/heads/feature-a',
        before,
        after: moved,
        cloneUrl: fx.origin,
      }),
    }).expect(202);

    const answer = res.body as { jobId: string };
    expect(res.body).toMatchObject({ outcome: 'restack_queued' });
    const asked = requested(await eventsAfter(t, head));
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      data: {
        jobId: answer.jobId,
        action: 'restack_subtree',
        branchName: 'feature-a',
      },
      metadata: { actor: 'system:github-hook' },
    });
    expect((await t.jobEnd(answer.jobId)).type).toBe('RepoActionCompleted');
    expect(onTopOf(fx, 'feature-b', moved)).toBe(true);

    // The restack published feature-b: GitHub tells of that push too.
    const published = fx.originHead('feature-b');
    const ownHead = await t.store.headPosition();
    const own = await deliverGithub(t, repo.repoId, {
      secret: SECRET,
      payload: aGithubPush({
        ref: 'refs/heads/feature-b',
        before: fx.head('feature-b'),
        after: published,
        cloneUrl: fx.origin,
      }),
    }).expect(202);
    expect(own.body).toMatchObject({ outcome: 'own_publish', jobId: null });
    expect(requested(await eventsAfter(t, ownHead))).toEqual([]);

    // A tag, and a branch the stack does not track: recorded, nothing queued.
    for (const ref of ['refs/tags/v1', 'refs/heads/untracked']) {
      const ignored = await deliverGithub(t, repo.repoId, {
        secret: SECRET,
        payload: aGithubPush({
          ref,
          before: moved,
          after: moved,
          cloneUrl: fx.origin,
        }),
      }).expect(202);
      expect(ignored.body).toMatchObject({ outcome: 'ignored', jobId: null });
    }
    expect(requested(await eventsAfter(t, ownHead))).toEqual([]);
  });

  it('without autoRestack, a foreign push to a tracked branch moves it in the overview and its children need a restack, with nothing queued', async () => {
    const repo = await registerStack(t, fx);
    const before = fx.originHead('feature-a');
    const moved = fx.advance('feature-a', 'a-more.txt', 'more\n');
    const head = await t.store.headPosition();

    await deliverGithub(t, repo.repoId, {
      secret: SECRET,
      payload: aGithubPush({
        ref: 'refs/heads/feature-a',
        before,
        after: moved,
        cloneUrl: fx.origin,
      }),
    })
      .expect(202)
      .expect((res) =>
        expect(res.body).toMatchObject({
          outcome: 'branch_moved',
          jobId: null,
        }),
      );

    expect(requested(await eventsAfter(t, head))).toEqual([]);
    const overview = await readRepo(t, repo.repoId);
    expect(overview.branches).toMatchObject([
      { name: 'feature-a', sha: moved, needsRestack: false },
      { name: 'feature-b', needsRestack: true },
    ]);
    expect(overview.lastWebhook).toMatchObject({ outcome: 'branch_moved' });
  });
});

/** A signature of the payload as JSON, for sending other bytes under it. */
const deliverSignature = (payload: unknown): string =>
  githubSignatureOf(SECRET, JSON.stringify(payload));

describe('a burst of GitHub push hooks', () => {
  let fx: GitFixture;
  let gateDir: string;
  let t: TestApp;
  let gate: GatedGit;

  beforeEach(async () => {
    fx = new GitFixture();
    gateDir = mkdtempSync(join(tmpdir(), 'stackyard-hooks-'));
    // The repo's first job holds its lane at the fetch until the gate opens: a sync the
    // hooks queue meanwhile cannot start.
    gate = new GatedGit(gateDir, 'fetch');
    t = await TestApp.start(undefined, { STACKYARD_GIT_BIN: gate.bin });
  });

  afterEach(async () => {
    gate.open();
    await t.close();
    t.dispose();
    fx.dispose();
    rmSync(gateDir, { recursive: true, force: true });
  });

  it('leaves exactly one queued sync for ten signed pushes sent at once', async () => {
    const repo = await register(t, fx, 'demo');
    await t.firstEvent(
      (e) =>
        e.streamId === `repo-action-${repo.initialJobId}` &&
        e.type === 'RepoActionStepStarted',
    );
    const head = await t.store.headPosition();
    const trunk = fx.originHead('main');

    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        deliverGithub(t, repo.repoId, {
          secret: SECRET,
          payload: aGithubPush({
            ref: 'refs/heads/main',
            before: trunk,
            after: 'abcdef1234'[i]!.repeat(40),
            cloneUrl: fx.origin,
          }),
        }),
      ),
    );

    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    const bodies = answers.map(
      (a) => a.body as { outcome: string; jobId: string },
    );
    expect(bodies.filter((b) => b.outcome === 'sync_queued')).toHaveLength(1);
    expect(bodies.filter((b) => b.outcome === 'sync_coalesced')).toHaveLength(
      9,
    );
    const jobIds = new Set(bodies.map((b) => b.jobId));
    expect(jobIds.size).toBe(1);
    const recorded = await eventsAfter(t, head);
    expect(requested(recorded)).toHaveLength(1);
    expect(
      recorded.filter((e) => e.type === 'WebhookDeliveryReceived'),
    ).toHaveLength(10);

    gate.open();
    const [jobId] = [...jobIds];
    expect((await t.jobEnd(jobId!)).type).toBe('RepoActionCompleted');
  });
});

describe('a repo webhook secret', () => {
  let fx: GitFixture;
  let t: TestApp;
  const logs: string[] = [];

  beforeEach(async () => {
    fx = new GitFixture();
    logs.length = 0;
    // Every level, so that any line that could carry the secret is written.
    t = await TestApp.start(undefined, {}, 0, {
      level: 'verbose',
      destination: { write: (line: string) => void logs.push(line) },
    });
  });

  afterEach(async () => {
    await t.close();
    t.dispose();
    fx.dispose();
  });

  it('is set, replaced and removed, and never leaves the service: not in an answer, the history, the SSE stream, the logs or the store in plain', async () => {
    const first = `first-${randomUUID()}`;
    const second = `second-${randomUUID()}`;
    const answers: string[] = [];
    const created = await t
      .http()
      .post('/repos')
      .send({ name: 'demo', remoteUrl: fx.origin, webhookSecret: first })
      .expect(202);
    answers.push(created.text);
    const repo = created.body as RegisteredRepoResource;
    expect(repo).toMatchObject({ webhookSecretSet: true, lastWebhook: null });
    await t.jobEnd(repo.initialJobId);

    const refused = await t
      .http()
      .put(`/repos/${repo.repoId}/webhook-secret`)
      .send({ webhookSecret: `${second} with spaces` })
      .expect(400);
    answers.push(refused.text);
    expect(refused.body).toMatchObject({
      error: { code: 'REPO.INVALID_WEBHOOK_SECRET' },
    });
    const replaced = await t
      .http()
      .put(`/repos/${repo.repoId}/webhook-secret`)
      .send({ webhookSecret: second })
      .expect(200);
    answers.push(replaced.text);
    expect(replaced.body).toEqual({
      repoId: repo.repoId,
      webhookSecretSet: true,
      autoRestack: false,
    });

    const ping = { zen: 'Design for failure.', hook_id: 7 };
    await deliverGithub(t, repo.repoId, {
      event: 'ping',
      secret: first,
      payload: ping,
    }).expect(401);
    const pong = await deliverGithub(t, repo.repoId, {
      event: 'ping',
      secret: second,
      payload: ping,
    }).expect(200);
    answers.push(pong.text);

    const sse = await readSse(
      `${await t.app.getUrl()}/events?repoId=${repo.repoId}`,
      { 'last-event-id': '0' },
      (e) => e.event === 'WebhookDeliveryReceived',
    );
    answers.push(JSON.stringify(sse));
    expect(sse.map((e) => e.event)).toContain('RepoWebhookSecretSet');
    const overview = await readRepo(t, repo.repoId);
    expect(overview.lastWebhook).toMatchObject({
      event: 'ping',
      outcome: 'pong',
    });
    for (const path of [
      '/repos',
      `/repos/${repo.repoId}`,
      `/repos/${repo.repoId}/history?limit=100`,
    ])
      answers.push((await t.http().get(path).expect(200)).text);

    const removed = await t
      .http()
      .delete(`/repos/${repo.repoId}/webhook-secret`)
      .expect(200);
    answers.push(removed.text);
    expect(removed.body).toMatchObject({ webhookSecretSet: false });
    await deliverGithub(t, repo.repoId, {
      event: 'ping',
      secret: second,
      payload: ping,
    }).expect(401);
    expect((await readRepo(t, repo.repoId)).webhookSecretSet).toBe(false);

    const stored = JSON.stringify(
      (await t.store.readAll({ fromPosition: 1 })).events,
    );
    expect(stored).toContain('sealedSecret');
    expect(logs.length).toBeGreaterThan(0);
    for (const [where, text] of [
      ['answers', answers.join('\n')],
      ['logs', logs.join('')],
      ['store', stored],
    ] as const) {
      expect({ where, first: text.includes(first) }).toEqual({
        where,
        first: false,
      });
      expect({ where, second: text.includes(second) }).toEqual({
        where,
        second: false,
      });
    }
    // Not even sealed: the history and the SSE stream strip the field.
    expect(answers.join('\n')).not.toContain('sealedSecret');
  });

  it("takes a push far above the API's body limit (a payload listing many commits), and refuses one over GitHub's 25 MB cap with 413, recording nothing", async () => {
    const repo = await register(t, fx, 'demo');
    await t.jobEnd(repo.initialJobId);
    const before = fx.originHead('main');
    const after = fx.advance();
    // 2,048 commits of about 1 KiB each: 2 MiB, thirty times the API's 64 KiB.
    const commits = Array.from({ length: 2048 }, (_, i) => ({
      id: `${i}`.padStart(40, '0'),
      message: `commit ${i}\n\n${'x'.repeat(1000)}`,
      modified: [`src/file-${i}.ts`],
    }));
    const big = await deliverGithub(t, repo.repoId, {
      secret: SECRET,
      payload: {
        ...aGithubPush({
          ref: 'refs/heads/main',
          before,
          after,
          cloneUrl: fx.origin,
        }),
        commits,
      },
    }).expect(202);
    expect(big.body).toMatchObject({ outcome: 'sync_queued' });
    expect((await t.jobEnd((big.body as { jobId: string }).jobId)).type).toBe(
      'RepoActionCompleted',
    );

    const head = await t.store.headPosition();
    const res = await deliverGithub(t, repo.repoId, {
      secret: SECRET,
      payload: { padding: 'x'.repeat(HOOK_BODY_LIMIT_BYTES) },
    }).expect(413);
    expect(res.body).toMatchObject({
      error: { code: 'HTTP.PAYLOAD_TOO_LARGE' },
    });
    expect(await t.store.headPosition()).toBe(head);
    // Every other route keeps the API's limit.
    await t
      .http()
      .post(`/repos/${repo.repoId}/actions`)
      .set('content-type', 'application/json')
      .send(
        JSON.stringify({ action: 'sync_repo', padding: 'x'.repeat(70 * 1024) }),
      )
      .expect(413);
    expect(await t.store.headPosition()).toBe(head);
  });

  it("takes GitLab's push hook with its token, and refuses a wrong one", async () => {
    const repo = await register(t, fx, 'demo');
    await t.jobEnd(repo.initialJobId);
    const before = fx.originHead('main');
    const after = fx.advance();
    const gitlab = (token: string) =>
      t
        .http()
        .post(`/hooks/gitlab/${repo.repoId}`)
        .set('x-gitlab-token', token)
        .set('x-gitlab-event', 'Push Hook')
        .set('x-gitlab-event-uuid', randomUUID())
        .send({
          object_kind: 'push',
          ref: 'refs/heads/main',
          before,
          after,
          project: { git_http_url: `file://${fx.origin}` },
        });
    const head = await t.store.headPosition();
    await gitlab(`${SECRET}x`).expect(401);
    expect(await t.store.headPosition()).toBe(head);

    const res = await gitlab(SECRET).expect(202);
    expect(res.body).toMatchObject({ event: 'push', outcome: 'sync_queued' });
    const asked = requested(await eventsAfter(t, head));
    expect(asked).toHaveLength(1);
    expect(asked[0]!.metadata).toMatchObject({ actor: 'system:gitlab-hook' });
    expect((await t.jobEnd((res.body as { jobId: string }).jobId)).type).toBe(
      'RepoActionCompleted',
    );
    // The token is the plain secret: no log line may carry it.
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('')).not.toContain(SECRET);
  });
});
