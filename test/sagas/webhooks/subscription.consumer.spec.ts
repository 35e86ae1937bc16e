import { InMemoryEventStore } from '../../../src/infrastructure/event-store/in-memory-event-store';
import type { RecordedEvent } from '../../../src/infrastructure/event-store/event-store.port';
import type {
  DeliveryAttempt,
  DeliveryCursor,
  DeliveryLog,
} from '../../../src/infrastructure/webhooks/delivery-log.port';
import type {
  WebhookOutcome,
  WebhookRequest,
  WebhookSender,
} from '../../../src/infrastructure/webhooks/webhook-sender';
import {
  type ConsumerOptions,
  type DeliveryTarget,
  SubscriptionConsumer,
} from '../../../src/sagas/webhooks/subscription.consumer';

/** A sender that answers as told and records what it was asked to send. */
class FakeSender implements WebhookSender {
  readonly sent: Array<{ id: string; type: string; body: string }> = [];
  answer: (index: number) => WebhookOutcome = () => ({
    ok: true,
    status: 200,
    latencyMs: 1,
  });
  private waiters: Array<() => void> = [];

  send(request: WebhookRequest): Promise<WebhookOutcome> {
    const outcome = this.answer(this.sent.length);
    this.sent.push({
      id: request.eventId,
      type: request.eventType,
      body: request.body,
    });
    for (const wake of this.waiters.splice(0)) wake();
    return Promise.resolve(outcome);
  }

  async until(test: () => boolean): Promise<void> {
    while (!test()) await new Promise<void>((r) => this.waiters.push(r));
  }
}

class MemoryLog implements DeliveryLog {
  stored = new Map<string, DeliveryCursor>();
  attemptsKept: DeliveryAttempt[] = [];
  /** Writes to refuse before the next succeeds (the database unreachable). */
  refuse = 0;
  cursor(id: string) {
    return Promise.resolve(this.stored.get(id));
  }
  cursors() {
    return Promise.resolve(new Map(this.stored));
  }
  record(
    id: string,
    cursor: DeliveryCursor,
    attempts: readonly DeliveryAttempt[],
  ) {
    if (this.refuse > 0) {
      this.refuse--;
      return Promise.reject(new Error('database unreachable'));
    }
    const old = this.stored.get(id);
    this.stored.set(id, {
      position: Math.max(old?.position ?? 0, cursor.position),
      failingSince: cursor.failingSince,
    });
    this.attemptsKept.push(...attempts);
    return Promise.resolve();
  }
  attempts() {
    return Promise.resolve([...this.attemptsKept].reverse());
  }
}

const target = (extra: Partial<DeliveryTarget> = {}): DeliveryTarget => ({
  subscriptionId: 'sub-1',
  orgId: 'org-1',
  repoId: null,
  eventTypes: null,
  url: 'http://127.0.0.1/hooks',
  secret: 'secret-secret-secret',
  createdPosition: 0,
  resumedAt: null,
  ...extra,
});

const options = (extra: Partial<ConsumerOptions> = {}): ConsumerOptions => ({
  retry: { baseMs: 1, capMs: 2 },
  pauseAfterMs: 60_000,
  pageSize: 3,
  flushMs: 10,
  now: Date.now,
  ...extra,
});

let streams = 0;

async function appendOrgEvents(
  store: InMemoryEventStore,
  orgId: string,
  count: number,
): Promise<RecordedEvent[]> {
  const recorded: RecordedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const { events } = await store.appendToStream(
      `repo-${orgId}-${streams++}`,
      [
        {
          type: 'RepoRegistered',
          data: { n: i },
          metadata: { orgId, repoId: `${orgId}-${i}` },
        },
      ],
      { expectedVersion: 'no_stream' },
    );
    recorded.push(...events);
  }
  return recorded;
}

describe('a subscription consumer', () => {
  let store: InMemoryEventStore;
  let sender: FakeSender;
  let log: MemoryLog;
  const consumers: SubscriptionConsumer[] = [];
  const paused: Array<{ reason: string; position: number }> = [];
  let pausedOnce: Promise<void>;
  let notePaused: () => void;

  beforeEach(() => {
    store = new InMemoryEventStore();
    sender = new FakeSender();
    log = new MemoryLog();
    paused.length = 0;
    pausedOnce = new Promise((resolve) => (notePaused = resolve));
  });

  afterEach(async () => {
    for (const c of consumers.splice(0)) await c.stop();
    await store.close();
  });

  function start(t = target(), o = options()): SubscriptionConsumer {
    const consumer = new SubscriptionConsumer(
      t,
      {
        store,
        sender,
        log,
        pause: (reason, _since, event) => {
          paused.push({ reason, position: event.globalPosition });
          notePaused();
          return Promise.resolve();
        },
        logger: { warn: () => undefined, error: () => undefined },
      },
      o,
    );
    consumers.push(consumer);
    consumer.start();
    return consumer;
  }

  it("delivers its org's events in order, across pages, and none of another org's", async () => {
    const mine = await appendOrgEvents(store, 'org-1', 4);
    await appendOrgEvents(store, 'org-2', 3);
    start();
    mine.push(...(await appendOrgEvents(store, 'org-1', 4)));
    await sender.until(() => sender.sent.length >= 8);
    expect(sender.sent.map((s) => s.id)).toEqual(mine.map((e) => e.eventId));
    expect(JSON.parse(sender.sent[0]!.body)).toEqual({
      id: mine[0]!.eventId,
      position: mine[0]!.globalPosition,
      type: 'RepoRegistered',
      at: mine[0]!.recordedAt,
      repoId: 'org-1-0',
      jobId: null,
      data: { n: 0 },
    });
  });

  it('clears a failingSince of its own failure once it reads the store again, so that it never counts towards a later pause', async () => {
    const mine = await appendOrgEvents(store, 'org-1', 1);
    log.stored.set('sub-1', {
      position: mine[0]!.globalPosition,
      failingSince: '2020-01-01T00:00:00.000Z',
    });
    // The receiver fails from now on: only the new failure counts, so no pause comes at once.
    sender.answer = () => ({ ok: false, status: 503, latencyMs: 0 });
    const consumer = new SubscriptionConsumer(
      target(),
      {
        store,
        sender,
        log,
        pause: (reason, _since, event) => {
          paused.push({ reason, position: event.globalPosition });
          return Promise.resolve();
        },
        recovered: () => true,
        logger: { warn: () => undefined, error: () => undefined },
      },
      options({ pauseAfterMs: 60_000 }),
    );
    consumers.push(consumer);
    consumer.start();
    await appendOrgEvents(store, 'org-1', 1);
    await sender.until(() => sender.sent.length >= 3);
    await consumer.stop();
    expect(paused).toEqual([]);
    expect(log.stored.get('sub-1')?.failingSince).not.toBe(
      '2020-01-01T00:00:00.000Z',
    );
  });

  it('keeps the attempts of a write that failed for the next one, in order', async () => {
    const mine = await appendOrgEvents(store, 'org-1', 2);
    sender.answer = (i) =>
      i < 2
        ? { ok: false, status: 500, latencyMs: 0 }
        : { ok: true, status: 200, latencyMs: 1 };
    log.refuse = 1;
    const consumer = start();
    await sender.until(() => sender.sent.length >= 4);
    await consumer.stop();
    expect(
      log.attemptsKept.map((a) => [a.eventId, a.attempt, a.statusCode]),
    ).toEqual([
      [mine[0]!.eventId, 1, 500],
      [mine[0]!.eventId, 2, 500],
      [mine[0]!.eventId, 3, 200],
      [mine[1]!.eventId, 1, 200],
    ]);
    expect(log.stored.get('sub-1')?.position).toBe(mine[1]!.globalPosition);
  });

  it('retries an event until it is delivered, then goes on, and writes its cursor', async () => {
    const mine = await appendOrgEvents(store, 'org-1', 3);
    sender.answer = (i) =>
      i < 4
        ? { ok: false, error: 'ECONNREFUSED', latencyMs: 0 }
        : { ok: true, status: 204, latencyMs: 1 };
    const consumer = start();
    await sender.until(() => sender.sent.length >= 7);
    expect(sender.sent.map((s) => s.id)).toEqual([
      ...Array<string>(5).fill(mine[0]!.eventId),
      mine[1]!.eventId,
      mine[2]!.eventId,
    ]);
    await consumer.stop();
    expect(log.stored.get('sub-1')).toEqual({
      position: mine[2]!.globalPosition,
      failingSince: null,
    });
    expect(
      log.attemptsKept.slice(0, 5).map((a) => [a.attempt, a.error]),
    ).toEqual([
      [1, 'ECONNREFUSED'],
      [2, 'ECONNREFUSED'],
      [3, 'ECONNREFUSED'],
      [4, 'ECONNREFUSED'],
      [5, null],
    ]);
  });

  it('starts after its cursor, or after its creation without one', async () => {
    const events = await appendOrgEvents(store, 'org-1', 5);
    log.stored.set('sub-1', {
      position: events[2]!.globalPosition,
      failingSince: null,
    });
    start(target({ createdPosition: events[0]!.globalPosition }));
    await sender.until(() => sender.sent.length >= 2);
    expect(sender.sent.map((s) => s.id)).toEqual(
      events.slice(3).map((e) => e.eventId),
    );
  });

  it('pauses at the event it cannot deliver once failing outlasts the bound', async () => {
    const events = await appendOrgEvents(store, 'org-1', 2);
    let now = 1_000_000;
    sender.answer = () => {
      now += 400;
      return { ok: false, status: 500, latencyMs: 1 };
    };
    const consumer = start(
      target(),
      options({ pauseAfterMs: 1000, now: () => now }),
    );
    await pausedOnce;
    await consumer.stop();
    expect(paused).toEqual([
      { reason: 'HTTP 500', position: events[0]!.globalPosition },
    ]);
    expect(sender.sent.every((s) => s.id === events[0]!.eventId)).toBe(true);
    expect(log.stored.get('sub-1')?.failingSince).not.toBeNull();
  });

  it('stops at its own deletion: nothing recorded after it goes out', async () => {
    const before = await appendOrgEvents(store, 'org-1', 2);
    await store.appendToStream(
      'subscription-sub-1',
      [{ type: 'SubscriptionDeleted', data: {}, metadata: { orgId: 'org-1' } }],
      { expectedVersion: 'any' },
    );
    await appendOrgEvents(store, 'org-1', 2);
    const consumer = start();
    await sender.until(() => sender.sent.length >= 2);
    await consumer.stop();
    expect(sender.sent.map((s) => s.id)).toEqual(before.map((e) => e.eventId));
  });

  it('reports a loop that failed on its own, so that it is started again', async () => {
    log.cursor = () => Promise.reject(new Error('database away'));
    let failed!: () => void;
    const reported = new Promise<void>((resolve) => (failed = resolve));
    const consumer = new SubscriptionConsumer(
      target(),
      {
        store,
        sender,
        log,
        pause: () => Promise.resolve(),
        failed,
        logger: { warn: () => undefined, error: () => undefined },
      },
      options(),
    );
    consumers.push(consumer);
    consumer.start();
    await reported;
    expect(sender.sent).toEqual([]);
  });
});
