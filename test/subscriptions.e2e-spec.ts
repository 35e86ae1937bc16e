import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeliverable } from '../src/domain/subscription/deliverable';
import { subscriptionStream } from '../src/domain/streams';
import type {
  EventStore,
  RecordedEvent,
} from '../src/infrastructure/event-store/event-store.port';
import type { RegisteredRepoResource } from '../src/read-models/repo/repo.resource';
import type {
  CreatedSubscriptionResource,
  DeliveryListResource,
  SubscriptionListResource,
  SubscriptionResource,
} from '../src/read-models/subscription/subscription.resource';
import type { JobResource } from '../src/read-models/job/job.resource';
import { eventIn, jobsEnded } from './support/await-event';
import { GitFixture } from './support/git-fixture';
import { readSse } from './support/sse';
import { openStorage } from '../src/infrastructure/storage/storage';
import { READ_MODEL_PROJECTORS } from '../src/projections/projectors';
import { rebuildReadModels } from '../src/projections/rebuild-read-models';
import { READ_MODEL_SCHEMA } from '../src/read-models/read-model.schema';
import { TestApp } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';

const ONE = 'tok-one';
const TWO = 'tok-two';
const TOKENS = `${ONE}=org-one,${TWO}=org-two`;

/** Outbound webhooks through the API, delivered to real HTTP receivers on loopback. */
describe('outbound webhooks', () => {
  let dir: string;
  let fx: GitFixture;
  const apps: TestApp[] = [];
  const receivers: WebhookReceiver[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-hooks-'));
    fx = new GitFixture();
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close().catch(() => undefined);
    for (const r of receivers.splice(0)) await r.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    fx.dispose();
  });

  async function start(env: Record<string, string> = {}): Promise<TestApp> {
    const t = await TestApp.start(join(dir, 'data'), {
      STACKYARD_TOKENS: TOKENS,
      // The receivers made so far, each by its port: an entry without one allows 80 and 443.
      STACKYARD_WEBHOOK_HOSTS: receivers
        .map((r) => `127.0.0.1:${r.port}`)
        .join(','),
      STACKYARD_WEBHOOK_RETRY_BASE_MS: '5',
      STACKYARD_WEBHOOK_RETRY_CAP_MS: '40',
      ...env,
    });
    apps.push(t);
    return t;
  }

  async function receiver(): Promise<WebhookReceiver> {
    const r = await WebhookReceiver.start();
    receivers.push(r);
    return r;
  }

  async function subscribe(
    t: TestApp,
    body: object,
    token = ONE,
  ): Promise<CreatedSubscriptionResource> {
    const res = await t
      .http()
      .post('/subscriptions')
      .set('authorization', `Bearer ${token}`)
      .send(body)
      .expect(201);
    return res.body as CreatedSubscriptionResource;
  }

  async function register(
    t: TestApp,
    name: string,
    token = ONE,
  ): Promise<RegisteredRepoResource> {
    return (
      await t
        .http()
        .post('/repos')
        .set('authorization', `Bearer ${token}`)
        .send({ name, remoteUrl: fx.origin })
        .expect(202)
    ).body as RegisteredRepoResource;
  }

  async function sync(
    t: TestApp,
    repoId: string,
    token = ONE,
  ): Promise<string> {
    const res = await t
      .http()
      .post(`/repos/${repoId}/actions`)
      .set('authorization', `Bearer ${token}`)
      .send({ action: 'sync_repo' })
      .expect(202);
    return (res.body as JobResource).jobId;
  }

  /** A little of everything, in both orgs: registrations and jobs that run git. */
  async function run(t: TestApp): Promise<void> {
    const one = await register(t, 'one');
    const two = await register(t, 'two', TWO);
    const jobs = [
      one.initialJobId,
      two.initialJobId,
      await sync(t, one.repoId),
      await sync(t, two.repoId, TWO),
      await sync(t, one.repoId),
    ];
    await jobsEnded(t.store, ...jobs);
  }

  /** The events a subscription of `orgId` gets, from just after its creation. */
  async function deliverable(
    store: EventStore,
    subscriptionId: string,
    orgId: string,
    filter: { repoId?: string | null; eventTypes?: string[] | null } = {},
  ): Promise<RecordedEvent[]> {
    const [created] = await store.readStream(
      subscriptionStream(subscriptionId),
    );
    const events: RecordedEvent[] = [];
    for (let from = created!.globalPosition + 1; ;) {
      const page = await store.readAll({ fromPosition: from, limit: 1000 });
      events.push(
        ...page.events.filter((e) =>
          isDeliverable(e, {
            orgId,
            repoId: filter.repoId ?? null,
            eventTypes: filter.eventTypes ?? null,
          }),
        ),
      );
      from = page.nextPosition;
      if (page.isEnd) return events;
    }
  }

  const code = (res: { body: unknown }) =>
    (res.body as { error?: { code?: string } }).error?.code;

  const ids = (events: readonly { id?: string; eventId?: string }[]) =>
    events.map((e) => e.id ?? e.eventId);

  it("delivers every event of the org's run, in order, signed, and none of another org's", async () => {
    const hooks = await receiver();
    const other = await receiver();
    const t = await start();
    const created = await subscribe(t, { url: hooks.url });
    expect(created).toMatchObject({
      url: hooks.url,
      state: 'active',
      repoId: null,
      eventTypes: null,
      lastDelivery: null,
    });
    expect(created.secret).toMatch(/^whsec_/);
    const theirs = await subscribe(t, { url: other.url }, TWO);

    await run(t);

    const expected = await deliverable(
      t.store,
      created.subscriptionId,
      'org-one',
    );
    expect(expected.length).toBeGreaterThan(10);
    await hooks.until(() => hooks.firstArrivals().length >= expected.length);
    const got = hooks.firstArrivals();
    // Exactly the org's events, in global order: nothing of org-two's, no gap.
    expect(ids(got)).toEqual(ids(expected));
    expect(got.map((r) => r.position)).toEqual(
      expected.map((e) => e.globalPosition),
    );
    // At least once: anything that came twice is the same event again.
    expect(new Set(ids(hooks.received)).size).toBe(got.length);
    hooks.verifyAll(created.secret!);
    expect(() => hooks.verifyAll(theirs.secret!)).toThrow(/not signed/);
    const first = got[0]!;
    expect(first.headers['content-type']).toBe('application/json');
    expect(got.map((r) => r.type)).toContain('RepoRegistered');
    expect(got.map((r) => r.type)).toContain('RepoActionCompleted');

    // The other org's subscription got its own events and none of these.
    const theirsExpected = await deliverable(
      t.store,
      theirs.subscriptionId,
      'org-two',
    );
    await other.until(
      () => other.firstArrivals().length >= theirsExpected.length,
    );
    expect(ids(other.firstArrivals())).toEqual(ids(theirsExpected));
    const mine = new Set(ids(got));
    expect(other.received.some((r) => mine.has(r.id))).toBe(false);

    // The read side says where delivery stands.
    const read = (
      await t
        .http()
        .get(`/subscriptions/${created.subscriptionId}`)
        .set('authorization', `Bearer ${ONE}`)
        .expect(200)
    ).body as SubscriptionResource;
    expect(read).not.toHaveProperty('secret');
    expect(read.checkpoint.position).toBeGreaterThanOrEqual(
      created.checkpoint.position,
    );
    const list = (
      await t
        .http()
        .get('/subscriptions')
        .set('authorization', `Bearer ${ONE}`)
        .expect(200)
    ).body as SubscriptionListResource;
    expect(list.items.map((s) => s.subscriptionId)).toEqual([
      created.subscriptionId,
    ]);
  });

  it('narrows deliveries by repo and by event type', async () => {
    const byRepo = await receiver();
    const byType = await receiver();
    const t = await start();
    const one = await register(t, 'one');
    await jobsEnded(t.store, one.initialJobId);
    const repoSub = await subscribe(t, { url: byRepo.url, repoId: one.repoId });
    const typeSub = await subscribe(t, {
      url: byType.url,
      eventTypes: ['RepoActionRequested', 'RepoActionCompleted'],
    });
    const other = await register(t, 'other');
    const jobs = [other.initialJobId, await sync(t, one.repoId)];
    await jobsEnded(t.store, ...jobs);

    const repoExpected = await deliverable(
      t.store,
      repoSub.subscriptionId,
      'org-one',
      { repoId: one.repoId },
    );
    const typeExpected = await deliverable(
      t.store,
      typeSub.subscriptionId,
      'org-one',
      { eventTypes: ['RepoActionRequested', 'RepoActionCompleted'] },
    );
    await byRepo.until(
      () => byRepo.firstArrivals().length >= repoExpected.length,
    );
    await byType.until(
      () => byType.firstArrivals().length >= typeExpected.length,
    );
    expect(ids(byRepo.firstArrivals())).toEqual(ids(repoExpected));
    expect(new Set(byRepo.received.map((r) => r.repoId))).toEqual(
      new Set([one.repoId]),
    );
    expect(ids(byType.firstArrivals())).toEqual(ids(typeExpected));
    expect(new Set(byType.received.map((r) => r.type))).toEqual(
      new Set(['RepoActionRequested', 'RepoActionCompleted']),
    );
  });

  it('retries a receiver that answers 500 for a while: everything arrives, no gap, repeats only by event id', async () => {
    const hooks = await receiver();
    const t = await start();
    // The first twelve deliveries fail, whatever they carry.
    hooks.answer = (_, index) => (index < 12 ? 500 : 200);
    const created = await subscribe(t, { url: hooks.url });

    await run(t);

    const expected = await deliverable(
      t.store,
      created.subscriptionId,
      'org-one',
    );
    await hooks.until(() => hooks.firstArrivals().length >= expected.length);
    expect(ids(hooks.firstArrivals())).toEqual(ids(expected));
    // The failures were the first event, again and again, then it went on in order.
    const failed = hooks.received.filter((r) => r.answered === 500);
    expect(failed).toHaveLength(12);
    expect(new Set(ids(failed))).toEqual(new Set([expected[0]!.eventId]));
    const bodies = new Map<string, string>();
    for (const r of hooks.received) {
      // A repeat is the same delivery: same id, same body (the signature's time may differ).
      expect(bodies.get(r.id) ?? r.raw).toBe(r.raw);
      bodies.set(r.id, r.raw);
    }
    hooks.verifyAll(created.secret!);

    // The attempts are listed, newest first, with their status and latency. A stop writes
    // what the worker holds; the service started again on the same data dir lists it.
    await t.close();
    const again = await start();
    const listed = (
      await again
        .http()
        .get(`/subscriptions/${created.subscriptionId}/deliveries?limit=100`)
        .set('authorization', `Bearer ${ONE}`)
        .expect(200)
    ).body as DeliveryListResource;
    // The newest is a success (the very last delivery may have been cut by the stop, before
    // its answer was read: not an attempt then, and made again after the start).
    const newest = listed.items[0]!;
    expect(newest).toMatchObject({ statusCode: 200, error: null });
    expect(ids(expected)).toContain(newest.eventId);
    expect(newest.position).toBe(
      expected.find((e) => e.eventId === newest.eventId)!.globalPosition,
    );
    const firstTries = listed.items
      .filter((d) => d.eventId === expected[0]!.eventId)
      .reverse();
    expect(firstTries.map((d) => [d.attempt, d.statusCode])).toEqual([
      ...Array.from({ length: 12 }, (_, i) => [i + 1, 500]),
      [13, 200],
    ]);
    for (const d of listed.items) expect(d.latencyMs).toBeGreaterThanOrEqual(0);
    const read = (
      await again
        .http()
        .get(`/subscriptions/${created.subscriptionId}`)
        .set('authorization', `Bearer ${ONE}`)
        .expect(200)
    ).body as SubscriptionResource;
    expect(read.failingSince).toBeNull();
    expect(read.lastDelivery).toMatchObject({ statusCode: 200 });
  });

  it('follows no redirect: a 3xx is a failed delivery, retried at the same URL', async () => {
    const hooks = await receiver();
    const elsewhere = await receiver();
    const t = await start();
    hooks.redirectTo = elsewhere.url;
    hooks.answer = (_, index) => (index < 3 ? 307 : 200);
    const created = await subscribe(t, { url: hooks.url });
    const one = await register(t, 'one');
    await jobsEnded(t.store, one.initialJobId);
    const expected = await deliverable(
      t.store,
      created.subscriptionId,
      'org-one',
    );
    await hooks.until(() => hooks.firstArrivals().length >= expected.length);
    expect(ids(hooks.firstArrivals())).toEqual(ids(expected));
    expect(hooks.received.slice(0, 3).map((r) => [r.id, r.answered])).toEqual(
      Array.from({ length: 3 }, () => [expected[0]!.eventId, 307]),
    );
    expect(elsewhere.received).toEqual([]);
  });

  it('keeps delivering to others and accepting while one receiver hangs', async () => {
    const hung = await receiver();
    const hooks = await receiver();
    const t = await start({ STACKYARD_WEBHOOK_TIMEOUT_MS: '600000' });
    hung.answer = () => 'hang';
    await subscribe(t, { url: hung.url });
    const created = await subscribe(t, { url: hooks.url });
    const one = await register(t, 'one');
    // The hanging receiver holds its first delivery.
    await hung.until((r) => r.length >= 1);

    // Eight commands at once: more than enough to count as busy while they are in flight.
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        t
          .http()
          .post(`/repos/${one.repoId}/actions`)
          .set('authorization', `Bearer ${ONE}`)
          .send({ action: 'sync_repo' }),
      ),
    );
    expect(answers.map((res) => res.status)).toEqual(
      Array.from({ length: 8 }, () => 202),
    );
    const jobs = [
      one.initialJobId,
      ...answers.map((res) => (res.body as JobResource).jobId),
    ];
    await jobsEnded(t.store, ...jobs);
    const expected = await deliverable(
      t.store,
      created.subscriptionId,
      'org-one',
    );
    await hooks.until(() => hooks.firstArrivals().length >= expected.length);
    expect(ids(hooks.firstArrivals())).toEqual(ids(expected));
    // Still one delivery held, the first: nothing more was sent to the hanging receiver.
    expect(hung.received).toHaveLength(1);
  });

  it('refuses a URL outside the allow-list, or not http(s), or with credentials, with a coded 400 and records nothing', async () => {
    const hooks = await receiver();
    const t = await start({
      STACKYARD_WEBHOOK_HOSTS: `127.0.0.1:${hooks.port},*.hooks.example.com`,
    });
    const before = await t.store.headPosition();
    const refused: Array<[string, string]> = [
      ['http://example.com/hook', 'SUBSCRIPTION.HOST_NOT_ALLOWED'],
      ['http://hooks.example.com/hook', 'SUBSCRIPTION.HOST_NOT_ALLOWED'],
      [
        `http://127.0.0.1:${hooks.port + 1}/hook`,
        'SUBSCRIPTION.HOST_NOT_ALLOWED',
      ],
      ['http://127.1/hook', 'SUBSCRIPTION.HOST_NOT_ALLOWED'],
      ['http://localhost/hook', 'SUBSCRIPTION.HOST_NOT_ALLOWED'],
      [`http://user:pw@127.0.0.1:${hooks.port}/`, 'SUBSCRIPTION.INVALID_URL'],
      [`ftp://127.0.0.1:${hooks.port}/`, 'SUBSCRIPTION.INVALID_URL'],
      [`http://127.0.0.1:${hooks.port}/#x`, 'SUBSCRIPTION.INVALID_URL'],
      [
        `http://127.0.0.1:${hooks.port}/hooks?token=xoxb-1`,
        'SUBSCRIPTION.INVALID_URL',
      ],
      ['not a url', 'SUBSCRIPTION.INVALID_URL'],
    ];
    for (const [url, wanted] of refused) {
      const res = await t
        .http()
        .post('/subscriptions')
        .set('authorization', `Bearer ${ONE}`)
        .send({ url });
      expect({ url, status: res.status, code: code(res) }).toEqual({
        url,
        status: 400,
        code: wanted,
      });
    }
    for (const [body, wanted] of [
      [
        { url: hooks.url, eventTypes: ['NoSuchEvent'] },
        'SUBSCRIPTION.INVALID_EVENT_TYPE',
      ],
      [
        { url: hooks.url, eventTypes: ['SubscriptionPaused'] },
        'SUBSCRIPTION.INVALID_EVENT_TYPE',
      ],
      [{ url: hooks.url, secret: 'short' }, 'SUBSCRIPTION.INVALID_SECRET'],
      [
        { url: hooks.url, secret: 'x'.repeat(20) + ' y' },
        'SUBSCRIPTION.INVALID_SECRET',
      ],
      [{ url: hooks.url, extra: 1 }, 'REQUEST.INVALID'],
    ] as const) {
      const res = await t
        .http()
        .post('/subscriptions')
        .set('authorization', `Bearer ${ONE}`)
        .send(body);
      expect({ status: res.status, code: code(res) }).toEqual({
        status: 400,
        code: wanted,
      });
    }
    const unknownRepo = await t
      .http()
      .post('/subscriptions')
      .set('authorization', `Bearer ${ONE}`)
      .send({ url: hooks.url, repoId: 'nope' });
    expect(unknownRepo.status).toBe(404);
    expect(await t.store.headPosition()).toBe(before);
    // A wildcard names the subdomains of its domain.
    await subscribe(t, { url: 'https://a.hooks.example.com/x' });
  });

  it('pauses a subscription failing for longer than the bound, and a resume delivers the rest from the checkpoint', async () => {
    const hooks = await receiver();
    const t = await start({ STACKYARD_WEBHOOK_PAUSE_AFTER_MS: '200' });
    // Delivers a few, then fails until told otherwise.
    let down = false;
    hooks.answer = () => (down ? 503 : 200);
    const created = await subscribe(t, { url: hooks.url });
    const one = await register(t, 'one');
    await hooks.until((r) => r.length >= 2);
    down = true;
    await jobsEnded(t.store, one.initialJobId);

    const paused = await eventIn(
      t.store,
      subscriptionStream(created.subscriptionId),
      'SubscriptionPaused',
    );
    expect(paused.data).toMatchObject({ reason: 'HTTP 503' });
    expect(paused.metadata).toMatchObject({
      orgId: 'org-one',
      actor: 'system:webhooks',
    });
    const read = (
      await t
        .http()
        .get(
          `/subscriptions/${created.subscriptionId}?minPosition=${paused.globalPosition}`,
        )
        .set('authorization', `Bearer ${ONE}`)
        .expect(200)
    ).body as SubscriptionResource;
    expect(read).toMatchObject({ state: 'paused', pausedReason: 'HTTP 503' });

    // More happens while paused; then the receiver recovers and the org resumes.
    const job = await sync(t, one.repoId);
    await jobsEnded(t.store, job);
    down = false;
    const resumed = (
      await t
        .http()
        .post(`/subscriptions/${created.subscriptionId}/resume`)
        .set('authorization', `Bearer ${ONE}`)
        .expect(200)
    ).body as SubscriptionResource;
    expect(resumed.state).toBe('active');

    const expected = await deliverable(
      t.store,
      created.subscriptionId,
      'org-one',
    );
    await hooks.until(() => hooks.firstArrivals().length >= expected.length);
    expect(ids(hooks.firstArrivals())).toEqual(ids(expected));
    hooks.verifyAll(created.secret!);
  });

  it('stops delivering at the deletion', async () => {
    const hooks = await receiver();
    const control = await receiver();
    const t = await start();
    const created = await subscribe(t, { url: hooks.url });
    await subscribe(t, { url: control.url });
    const one = await register(t, 'one');
    await jobsEnded(t.store, one.initialJobId);
    const deleted = (
      await t
        .http()
        .delete(`/subscriptions/${created.subscriptionId}`)
        .set('authorization', `Bearer ${ONE}`)
        .expect(200)
    ).body as SubscriptionResource;
    expect(deleted.state).toBe('deleted');
    // Again: the same answer.
    await t
      .http()
      .delete(`/subscriptions/${created.subscriptionId}`)
      .set('authorization', `Bearer ${ONE}`)
      .expect(200);
    const [, deletion] = await t.store.readStream(
      subscriptionStream(created.subscriptionId),
    );
    const job = await sync(t, one.repoId);
    await jobsEnded(t.store, job);
    const last = (await t.store.readStream(`repo-action-${job}`)).at(-1)!;
    // The control subscription got everything up to the job's end …
    await control.until((r) => r.some((d) => d.id === last.eventId));
    // … and the deleted one nothing recorded after its deletion.
    expect(
      hooks.received.filter((r) => r.position > deletion!.globalPosition),
    ).toEqual([]);
    await t
      .http()
      .post(`/subscriptions/${created.subscriptionId}/resume`)
      .set('authorization', `Bearer ${ONE}`)
      .expect(409);
  });

  it("answers 404 for another org's subscription, on every route", async () => {
    const hooks = await receiver();
    const t = await start();
    const mine = await subscribe(t, { url: hooks.url });
    for (const [method, path] of [
      ['get', `/subscriptions/${mine.subscriptionId}`],
      ['get', `/subscriptions/${mine.subscriptionId}/deliveries`],
      ['delete', `/subscriptions/${mine.subscriptionId}`],
      ['post', `/subscriptions/${mine.subscriptionId}/resume`],
    ] as const) {
      const res = await t
        .http()
        [method](path)
        .set('authorization', `Bearer ${TWO}`);
      expect({ path, status: res.status, code: code(res) }).toEqual({
        path,
        status: 404,
        code: 'SUBSCRIPTION.NOT_FOUND',
      });
    }
    const theirs = (
      await t
        .http()
        .get('/subscriptions')
        .set('authorization', `Bearer ${TWO}`)
        .expect(200)
    ).body as SubscriptionListResource;
    expect(theirs.items).toEqual([]);
  });

  it('replays a create with the same Idempotency-Key, secret included, and refuses the key for another request', async () => {
    const hooks = await receiver();
    const t = await start();
    const post = (body: object) =>
      t
        .http()
        .post('/subscriptions')
        .set('authorization', `Bearer ${ONE}`)
        .set('idempotency-key', 'sub-key-1')
        .send(body);
    const first = await post({ url: hooks.url });
    expect(first.status).toBe(201);
    expect(first.headers['cache-control']).toBe('no-store');
    const again = await post({ url: hooks.url });
    expect(again.status).toBe(200);
    const body = (res: { body: unknown }) =>
      res.body as CreatedSubscriptionResource;
    expect(body(again).subscriptionId).toBe(body(first).subscriptionId);
    expect(body(again).secret).toBe(body(first).secret);
    const other = await post({ url: `${hooks.url}/other` });
    expect(other.status).toBe(422);
    expect(code(other)).toBe('IDEMPOTENCY.KEY_REUSED');
  });

  it('keeps the secret out of every answer, the SSE stream, the history and the stored events', async () => {
    const hooks = await receiver();
    const t = await start();
    const secret = `given-secret-${'s'.repeat(20)}`;
    const created = await subscribe(t, { url: hooks.url, secret });
    expect(created).not.toHaveProperty('secret');
    const one = await register(t, 'one');
    await jobsEnded(t.store, one.initialJobId);
    await hooks.until((r) => r.length > 0);
    hooks.verifyAll(secret);

    const answers: string[] = [JSON.stringify(created)];
    for (const path of [
      '/subscriptions',
      `/subscriptions/${created.subscriptionId}`,
      `/subscriptions/${created.subscriptionId}/deliveries`,
      `/repos/${one.repoId}/history`,
    ]) {
      const res = await t
        .http()
        .get(path)
        .set('authorization', `Bearer ${ONE}`)
        .expect(200);
      answers.push(res.text);
    }
    const [createdEvent] = await t.store.readStream(
      subscriptionStream(created.subscriptionId),
    );
    const address = t.app.getHttpServer().address() as { port: number };
    const sse = await readSse(
      `http://127.0.0.1:${address.port}/events`,
      { 'last-event-id': '0', authorization: `Bearer ${ONE}` },
      (e) => e.id === createdEvent!.globalPosition,
    );
    expect(sse.at(-1)?.event).toBe('SubscriptionCreated');
    answers.push(JSON.stringify(sse));
    answers.push(...hooks.received.map((r) => r.raw));
    for (const text of answers) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('sealedSecret');
    }
    // The store holds it sealed only.
    expect(createdEvent!.data).toHaveProperty('sealedSecret');
    expect(JSON.stringify(createdEvent)).not.toContain(secret);
    expect(
      readFileSync(join(t.dataDir, 'events.sqlite')).includes(secret),
    ).toBe(false);
  });

  it('keeps every checkpoint through a rebuild of the read models: nothing is delivered again, new events are', async () => {
    const hooks = await receiver();
    const t = await start();
    const created = await subscribe(t, { url: hooks.url });
    const one = await register(t, 'one');
    await jobsEnded(t.store, one.initialJobId);
    const before = await deliverable(
      t.store,
      created.subscriptionId,
      'org-one',
    );
    await hooks.until(() => hooks.firstArrivals().length >= before.length);
    // A stop writes the cursor at the last delivery.
    await t.close();
    const storage = await openStorage(join(dir, 'data'), READ_MODEL_SCHEMA);
    try {
      await rebuildReadModels(
        storage.store,
        storage.readModels,
        READ_MODEL_PROJECTORS,
      );
    } finally {
      await storage.readModels.destroy();
      await storage.store.close();
    }
    const delivered = hooks.received.length;

    const restarted = await start();
    const two = await register(restarted, 'two');
    await jobsEnded(restarted.store, two.initialJobId);
    const all = await deliverable(
      restarted.store,
      created.subscriptionId,
      'org-one',
    );
    const last = all.at(-1)!;
    await hooks.until((r) => r.some((d) => d.id === last.eventId));
    const since = hooks.received.slice(delivered);
    // Nothing delivered before the rebuild came again (but the very last, whose answer the
    // stop may have cut before it was read); everything since the stop came, in order.
    const earlier = ids(hooks.received.slice(0, delivered));
    const repeated = since.filter((r) => earlier.includes(r.id));
    expect(repeated.every((r) => r.id === earlier.at(-1))).toBe(true);
    expect(since.length).toBeGreaterThan(0);
    expect(ids(hooks.firstArrivals())).toEqual(ids(all));
  });

  it('pauses a subscription whose secret does not open under another key, with that reason, and delivers nothing unsigned', async () => {
    const hooks = await receiver();
    const key = (byte: string) => byte.repeat(64);
    const t = await start({ STACKYARD_SECRETS_KEY: key('a') });
    const created = await subscribe(t, { url: hooks.url });
    const one = await register(t, 'one');
    await jobsEnded(t.store, one.initialJobId);
    const before = await deliverable(
      t.store,
      created.subscriptionId,
      'org-one',
    );
    await hooks.until(() => hooks.firstArrivals().length >= before.length);
    await t.close();
    const delivered = hooks.received.length;

    const other = await start({
      STACKYARD_SECRETS_KEY: key('b'),
      STACKYARD_WEBHOOK_PAUSE_AFTER_MS: '200',
    });
    const two = await register(other, 'two');
    await jobsEnded(other.store, two.initialJobId);
    const paused = await eventIn(
      other.store,
      subscriptionStream(created.subscriptionId),
      'SubscriptionPaused',
    );
    const reason = (paused.data as { reason: string }).reason;
    expect(reason).toMatch(/^the signing secret cannot be opened: /);
    expect(reason).toContain('another key');
    const read = (
      await other
        .http()
        .get(
          `/subscriptions/${created.subscriptionId}?minPosition=${paused.globalPosition}`,
        )
        .set('authorization', `Bearer ${ONE}`)
        .expect(200)
    ).body as SubscriptionResource;
    expect(read).toMatchObject({ state: 'paused', pausedReason: reason });
    expect(read.failingSince).not.toBeNull();
    // Nothing went out under the other key; what came before is signed with the secret.
    expect(hooks.received.length).toBe(delivered);
    hooks.verifyAll(created.secret!);
  });

  it('allows an entry without a port only on 80 and 443, and never connects a name to a loopback address the allow-list does not name', async () => {
    const hooks = await receiver();
    const t = await start({
      STACKYARD_WEBHOOK_HOSTS: `localhost:${hooks.port},127.0.0.2`,
    });
    const res = await t
      .http()
      .post('/subscriptions')
      .set('authorization', `Bearer ${ONE}`)
      .send({ url: `http://127.0.0.2:${hooks.port}/hooks` });
    expect({ status: res.status, code: code(res) }).toEqual({
      status: 400,
      code: 'SUBSCRIPTION.HOST_NOT_ALLOWED',
    });
    await subscribe(t, { url: 'http://127.0.0.2/hooks' });

    // localhost is allowed by name, but resolves to a loopback address no entry names (an
    // entry naming that address, at any port, would let it through).
    const byName = await subscribe(t, {
      url: `http://localhost:${hooks.port}/hooks`,
    });
    const one = await register(t, 'one');
    await jobsEnded(t.store, one.initialJobId);
    // The refused attempts are written at the stop; read after a start on the same data dir.
    await t.close();
    const again = await start({
      STACKYARD_WEBHOOK_HOSTS: `localhost:${hooks.port},127.0.0.2`,
    });
    const listed = (
      await again
        .http()
        .get(`/subscriptions/${byName.subscriptionId}/deliveries`)
        .set('authorization', `Bearer ${ONE}`)
        .expect(200)
    ).body as DeliveryListResource;
    expect(listed.items.length).toBeGreaterThan(0);
    for (const d of listed.items)
      expect(d).toMatchObject({
        statusCode: null,
        error: 'ADDRESS_NOT_ALLOWED',
      });
    expect(hooks.received).toEqual([]);
  });

  it('pauses a subscription whose host the allow-list no longer names, at the start, with the reason', async () => {
    const hooks = await receiver();
    const t = await start();
    const created = await subscribe(t, { url: hooks.url });
    const one = await register(t, 'one');
    await jobsEnded(t.store, one.initialJobId);
    // Everything of the first run delivered before it stops: a delivery cut off by the stop
    // could still reach the receiver after the count below.
    const expected = await deliverable(
      t.store,
      created.subscriptionId,
      'org-one',
    );
    await hooks.until(() => hooks.firstArrivals().length >= expected.length);
    await t.close();
    const delivered = hooks.received.length;

    const narrowed = await start({
      STACKYARD_WEBHOOK_HOSTS: '127.0.0.1:1',
    });
    const paused = await eventIn(
      narrowed.store,
      subscriptionStream(created.subscriptionId),
      'SubscriptionPaused',
    );
    const reason = (paused.data as { reason: string }).reason;
    expect(reason).toContain(`127.0.0.1:${hooks.port}`);
    expect(reason).toContain('no longer in the webhook allow-list');
    const two = await register(narrowed, 'two');
    await jobsEnded(narrowed.store, two.initialJobId);
    const read = (
      await narrowed
        .http()
        .get(
          `/subscriptions/${created.subscriptionId}?minPosition=${paused.globalPosition}`,
        )
        .set('authorization', `Bearer ${ONE}`)
        .expect(200)
    ).body as SubscriptionResource;
    expect(read).toMatchObject({ state: 'paused', pausedReason: reason });
    expect(hooks.received.length).toBe(delivered);
  });

  it('caps the subscriptions an org keeps with a coded 409, counts no deleted one, and lists at most limit', async () => {
    const hooks = await receiver();
    const t = await start({ STACKYARD_WEBHOOK_MAX_PER_ORG: '2' });
    const post = (token = ONE, key?: string) => {
      const req = t
        .http()
        .post('/subscriptions')
        .set('authorization', `Bearer ${token}`);
      if (key) void req.set('idempotency-key', key);
      return req.send({ url: hooks.url });
    };
    const first = (await post(ONE, 'cap-1').expect(201))
      .body as CreatedSubscriptionResource;
    await post().expect(201);
    const before = await t.store.headPosition();
    const refused = await post();
    expect({ status: refused.status, code: code(refused) }).toEqual({
      status: 409,
      code: 'SUBSCRIPTION.LIMIT_REACHED',
    });
    expect(await t.store.headPosition()).toBe(before);
    // A retry of a create that counted still gets its answer; another org has its own cap.
    expect((await post(ONE, 'cap-1').expect(200)).body).toMatchObject({
      subscriptionId: first.subscriptionId,
    });
    await post(TWO).expect(201);
    // A deleted one no longer counts.
    await t
      .http()
      .delete(`/subscriptions/${first.subscriptionId}`)
      .set('authorization', `Bearer ${ONE}`)
      .expect(200);
    await post().expect(201);

    const list = (limit?: number) =>
      t
        .http()
        .get(`/subscriptions${limit ? `?limit=${limit}` : ''}`)
        .set('authorization', `Bearer ${ONE}`);
    expect(
      ((await list().expect(200)).body as SubscriptionListResource).items,
    ).toHaveLength(3);
    const newest = (await list(1).expect(200)).body as SubscriptionListResource;
    expect(newest.items).toHaveLength(1);
    expect(newest.items[0]!.state).toBe('active');
    expect((await list(101)).status).toBe(400);
  });
});
