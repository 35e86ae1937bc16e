import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hookQueueKeyId } from '../src/commands/receive-hook/hook-job.queue';
import { githubSignatureOf } from '../src/infrastructure/hooks/hook-signature';
import { hookQueueStream } from '../src/domain/streams';
import { SqliteEventStore } from '../src/infrastructure/event-store/sqlite-event-store';
import { GitFixture } from './support/git-fixture';
import { aGithubPush, deliverGithub } from './support/github-hook';
import {
  eventsAfter,
  postHeadFirst,
  registerRepo,
  registerStack,
  requested,
} from './support/hook-repos';
import { RepoFetchGate } from './support/repo-fetch-gate';
import { TestApp } from './support/test-app';

const SECRET = `hook-secret-${randomUUID()}`;

type Answer = { jobId: string | null; outcome: string; duplicate: boolean };

describe('the jobs GitHub push hooks queue', () => {
  let fx: GitFixture;
  let gateDir: string;
  let gate: RepoFetchGate;
  let t: TestApp;

  beforeEach(async () => {
    fx = new GitFixture();
    gateDir = mkdtempSync(join(tmpdir(), 'stackyard-hook-jobs-'));
    gate = new RepoFetchGate(gateDir);
    t = await TestApp.start(undefined, { STACKYARD_GIT_BIN: gate.bin });
  });

  afterEach(async () => {
    rmSync(gateDir, { recursive: true, force: true });
    await t.close();
    t.dispose();
    fx.dispose();
  });

  /** Holds the repo's lane: a sync asked by hand runs and waits at its fetch. */
  async function holdLane(repoId: string): Promise<string> {
    gate.hold(repoId);
    const res = await t
      .http()
      .post(`/repos/${repoId}/actions`)
      .send({ action: 'sync_repo' })
      .expect(202);
    const jobId = (res.body as { jobId: string }).jobId;
    await t.firstEvent(
      (e) =>
        e.streamId === `repo-action-${jobId}` && e.type === 'RepoActionStarted',
    );
    return jobId;
  }

  const trunkPush = (after = fx.advance()) =>
    aGithubPush({
      ref: 'refs/heads/main',
      before: fx.originHead('main'),
      after,
      cloneUrl: fx.origin,
    });

  it('given autoRestack on a stack of 30 branches, when a push to each comes at once, then each is taken (no 503) and queues one restack of its own', async () => {
    const branches = Array.from({ length: 30 }, (_, i) => `feature-${i}`);
    fx.stack(branches, 1);
    const repo = await registerStack(t, fx, SECRET);
    await t
      .http()
      .put(`/repos/${repo.repoId}/settings`)
      .send({ autoRestack: true })
      .expect(200);
    await holdLane(repo.repoId);
    const head = await t.store.headPosition();

    // Every body but its last byte is sent first, then all last bytes at once: the 30
    // deliveries reach the service together.
    const url = await t.app.getUrl();
    const sends = branches.map((branch, i) => {
      const body = Buffer.from(
        JSON.stringify(
          aGithubPush({
            ref: `refs/heads/${branch}`,
            before: fx.originHead(branch),
            after: `${i}`.padStart(40, 'c'),
            cloneUrl: fx.origin,
          }),
        ),
      );
      const send = postHeadFirst(
        url,
        `/hooks/github/${repo.repoId}`,
        {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': githubSignatureOf(SECRET, body),
          expect: '100-continue',
        },
        body.length,
        body.subarray(0, -1),
      );
      return { send, last: body.subarray(-1) };
    });
    await Promise.all(sends.map(({ send }) => send.continued));
    sends.forEach(({ send, last }) => send.finish(last));
    const answers = await Promise.all(sends.map(({ send }) => send.answer));

    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(202));
    expect(answers.map((a) => (a.body as Answer).outcome)).toEqual(
      Array(30).fill('restack_queued'),
    );
    const asked = requested(await eventsAfter(t, head));
    expect(
      asked.map((e) => (e.data as { branchName: string }).branchName).sort(),
    ).toEqual([...branches].sort());
    expect(new Set(answers.map((a) => (a.body as Answer).jobId)).size).toBe(30);
  });

  it('given the lane held, when two copies of one delivery come at once, then one job is requested and both answer it', async () => {
    const repo = await registerRepo(t, fx, 'demo', SECRET);
    await t.jobEnd(repo.initialJobId);
    await holdLane(repo.repoId);
    const head = await t.store.headPosition();
    const copy = {
      secret: SECRET,
      deliveryId: randomUUID(),
      payload: trunkPush(),
    };

    const answers = await Promise.all([
      deliverGithub(t, repo.repoId, copy),
      deliverGithub(t, repo.repoId, copy),
    ]);

    expect(answers.map((a) => a.status).sort()).toEqual([200, 202]);
    const bodies = answers.map((a) => a.body as Answer);
    expect(bodies.map((b) => b.duplicate).sort()).toEqual([false, true]);
    const recorded = await eventsAfter(t, head);
    expect(
      requested(recorded).map((e) => (e.data as { jobId: string }).jobId),
    ).toEqual([bodies[0]!.jobId]);
    expect(bodies[1]!.jobId).toBe(bodies[0]!.jobId);
    expect(
      recorded.filter((e) => e.type === 'WebhookDeliveryReceived'),
    ).toHaveLength(1);
  });

  it("given a delivery's job was cancelled, when GitHub redelivers it, then it is decided again: 202 with a new job, which runs; another redelivery is a duplicate", async () => {
    const repo = await registerRepo(t, fx, 'demo', SECRET);
    await t.jobEnd(repo.initialJobId);
    await holdLane(repo.repoId);
    const delivery = {
      secret: SECRET,
      deliveryId: randomUUID(),
      payload: trunkPush(),
    };
    const first = (await deliverGithub(t, repo.repoId, delivery).expect(202))
      .body as Answer;
    // A queued job is cancelled at once.
    await t.http().post(`/jobs/${first.jobId}/cancel`).expect(200);
    expect((await t.jobEnd(first.jobId!)).type).toBe('RepoActionCancelled');

    const again = await deliverGithub(t, repo.repoId, delivery).expect(202);
    const redecided = again.body as Answer;
    expect(redecided).toMatchObject({
      outcome: 'sync_queued',
      duplicate: false,
    });
    expect(redecided.jobId).not.toBe(first.jobId);
    const third = await deliverGithub(t, repo.repoId, delivery).expect(200);
    expect(third.body).toEqual({ ...redecided, duplicate: true });

    gate.release(repo.repoId);
    expect((await t.jobEnd(redecided.jobId!)).type).toBe('RepoActionCompleted');
  });

  it("given the hook's sync is running, when another push to trunk comes, then it queues a successor sync, and both run", async () => {
    const repo = await registerRepo(t, fx, 'demo', SECRET);
    await t.jobEnd(repo.initialJobId);
    gate.hold(repo.repoId);
    const first = (
      await deliverGithub(t, repo.repoId, {
        secret: SECRET,
        payload: trunkPush(),
      }).expect(202)
    ).body as Answer;
    await t.firstEvent(
      (e) =>
        e.streamId === `repo-action-${first.jobId}` &&
        e.type === 'RepoActionStarted',
    );

    const second = (
      await deliverGithub(t, repo.repoId, {
        secret: SECRET,
        payload: trunkPush(),
      }).expect(202)
    ).body as Answer;

    expect(second.outcome).toBe('sync_queued');
    expect(second.jobId).not.toBe(first.jobId);
    gate.release(repo.repoId);
    expect((await t.jobEnd(first.jobId!)).type).toBe('RepoActionCompleted');
    expect((await t.jobEnd(second.jobId!)).type).toBe('RepoActionCompleted');
  });

  it('records a push that deleted a tracked branch as ignored, and queues nothing', async () => {
    fx.stack(['feature-a']);
    const repo = await registerStack(t, fx, SECRET);
    await t
      .http()
      .put(`/repos/${repo.repoId}/settings`)
      .send({ autoRestack: true })
      .expect(200);
    const head = await t.store.headPosition();

    const res = await deliverGithub(t, repo.repoId, {
      secret: SECRET,
      payload: aGithubPush({
        ref: 'refs/heads/feature-a',
        before: fx.originHead('feature-a'),
        after: '0'.repeat(40),
        cloneUrl: fx.origin,
        deleted: true,
      }),
    }).expect(202);

    expect(res.body).toMatchObject({ outcome: 'ignored', jobId: null });
    const recorded = await eventsAfter(t, head);
    expect(requested(recorded)).toEqual([]);
    expect(
      recorded.map((e) => [e.type, (e.data as { outcome?: string }).outcome]),
    ).toEqual([['WebhookDeliveryReceived', 'ignored']]);
  });
});

describe('a hook reservation without its job request', () => {
  let fx: GitFixture;
  let dataDir: string;
  let t: TestApp | undefined;

  beforeEach(() => {
    fx = new GitFixture();
    dataDir = mkdtempSync(join(tmpdir(), 'stackyard-hook-reserved-'));
  });

  afterEach(async () => {
    await t?.close();
    t = undefined;
    fx.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('left by a stop between the two appends, gets its request at the next start, and the job runs', async () => {
    t = await TestApp.start(dataDir);
    const repo = await registerRepo(t, fx, 'demo', SECRET);
    await t.jobEnd(repo.initialJobId);
    await t.close();
    t = undefined;
    const jobId = randomUUID();
    const store = SqliteEventStore.open(join(dataDir, 'events.sqlite'));
    try {
      await store.appendToStream(
        hookQueueStream(
          repo.repoId,
          hookQueueKeyId({ action: 'sync_repo', deliveryId: 'd-1' }),
        ),
        [
          {
            type: 'WebhookJobQueued',
            data: { jobId, action: 'sync_repo', deliveryId: randomUUID() },
            metadata: {
              jobId,
              orgId: 'default',
              repoId: repo.repoId,
              actor: 'system:github-hook',
              correlationId: 'reserved',
              at: new Date().toISOString(),
            },
          },
        ],
        { expectedVersion: 'no_stream' },
      );
    } finally {
      await store.close();
    }

    t = await TestApp.start(dataDir);

    const request = await t.firstEvent(
      (e) =>
        e.streamId === `repo-action-${jobId}` &&
        e.type === 'RepoActionRequested',
    );
    expect(request.metadata).toMatchObject({ actor: 'system:github-hook' });
    expect((await t.jobEnd(jobId)).type).toBe('RepoActionCompleted');
  });

  it('appended while the service runs, gets its request at once, and the job runs', async () => {
    t = await TestApp.start(dataDir);
    const repo = await registerRepo(t, fx, 'demo', SECRET);
    await t.jobEnd(repo.initialJobId);
    const jobId = randomUUID();

    await t.store.appendToStream(
      hookQueueStream(
        repo.repoId,
        hookQueueKeyId({ action: 'sync_repo', deliveryId: 'd-1' }),
      ),
      [
        {
          type: 'WebhookJobQueued',
          data: { jobId, action: 'sync_repo', deliveryId: randomUUID() },
          metadata: {
            jobId,
            orgId: 'default',
            repoId: repo.repoId,
            actor: 'system:github-hook',
            correlationId: 'reserved',
            at: new Date().toISOString(),
          },
        },
      ],
      { expectedVersion: 'no_stream' },
    );

    expect((await t.jobEnd(jobId)).type).toBe('RepoActionCompleted');
  });
});
