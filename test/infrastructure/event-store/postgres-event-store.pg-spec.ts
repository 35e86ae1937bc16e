import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { ConcurrencyError } from '../../../src/infrastructure/event-store/event-store.errors';
import type { EventToAppend } from '../../../src/infrastructure/event-store/event-store.port';
import {
  PostgresEventStore,
  type PostgresEventStoreOptions,
  appendInTransaction,
} from '../../../src/infrastructure/event-store/postgres-event-store';
import {
  adminClient,
  createTestSchema,
  follow,
  lockWaitOf,
  testDatabaseUrl,
  type TestSchema,
} from '../../support/pg-schema';
import { eventStoreContract } from './event-store.contract';

eventStoreContract('PostgreSQL', () => {
  let schema: TestSchema | undefined;
  const open = () =>
    PostgresEventStore.open(testDatabaseUrl(), { schema: schema!.name });
  return {
    create: async () => {
      schema = await createTestSchema();
      return open();
    },
    reopen: async (store) => {
      await store.close();
      return open();
    },
    dispose: async () => {
      await schema?.drop();
    },
  };
});

const anEvent = (n: number, type = 'Numbered'): EventToAppend => ({
  type,
  data: { n },
});

/** Stores on one schema of their own; each names its connections after itself. */
function storesOnOneSchema() {
  let schema: TestSchema;
  const opened: PostgresEventStore[] = [];
  beforeEach(async () => {
    schema = await createTestSchema();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await schema.drop();
  });
  return {
    schema: () => schema,
    open: async (name: string, options: PostgresEventStoreOptions = {}) => {
      const store = await PostgresEventStore.open(testDatabaseUrl(), {
        schema: schema.name,
        applicationName: `${schema.name}:${name}`,
        ...options,
      });
      opened.push(store);
      return store;
    },
  };
}

describe('PostgresEventStore: the global order is the commit order', () => {
  let held: Client;
  let admin: Client;
  beforeEach(async () => {
    held = await adminClient();
    admin = await adminClient();
  });
  // Declared first, so it runs first: a test that failed while holding its transaction
  // open ends it before the stores close and the schema is dropped.
  afterEach(async () => {
    await held.end();
    await admin.end();
  });
  const stores = storesOnOneSchema();

  it('holds readers and later writers back while an earlier append is uncommitted, then delivers both in commit order, skipping nothing', async () => {
    const reader = await stores.open('reader');
    const writer = await stores.open('writer');
    await writer.appendToStream('seed', [anEvent(0)], {
      expectedVersion: 'no_stream',
    });
    const live = follow(reader);
    await live.until((seen) => seen.length === 1);

    // A writer of its own connection begins, appends and keeps its transaction open.
    await held.query('BEGIN');
    const first = await appendInTransaction(
      held,
      writer.tables,
      [
        {
          streamId: 'first',
          events: [anEvent(1)],
          options: { expectedVersion: 'no_stream' },
        },
      ],
      new Date().toISOString(),
    );
    expect(first.head).toBe(2);

    // Another writer appends after it and would commit first, if it could.
    const second = writer.appendToStream('second', [anEvent(2)], {
      expectedVersion: 'no_stream',
    });
    const state = await Promise.race([
      second.then(() => 'committed'),
      lockWaitOf(admin, `${stores.schema().name}:writer`).then(
        () => 'waiting for the first',
      ),
    ]);
    // Meanwhile a reader sees neither append.
    const meanwhile = await reader.readAll({ fromPosition: 2 });
    expect(meanwhile.events.map((e) => e.streamId)).toEqual([]);
    expect(await reader.headPosition()).toBe(1);
    expect(state).toBe('waiting for the first');

    await held.query('COMMIT');
    expect((await second).globalPositions).toEqual([3]);
    await live.until((seen) => seen.some((e) => e.globalPosition >= 3));
    await live.close();
    expect(live.seen.map((e) => [e.globalPosition, e.streamId])).toEqual([
      [1, 'seed'],
      [2, 'first'],
      [3, 'second'],
    ]);
    expect(
      (await reader.readAll()).events.map((e) => [
        e.globalPosition,
        e.streamId,
      ]),
    ).toEqual([
      [1, 'seed'],
      [2, 'first'],
      [3, 'second'],
    ]);
  });

  it('gives up nothing when the held transaction rolls back: the waiting append takes its place', async () => {
    const writer = await stores.open('writer');
    await held.query('BEGIN');
    await appendInTransaction(
      held,
      writer.tables,
      [
        {
          streamId: 'first',
          events: [anEvent(1)],
          options: { expectedVersion: 'any' },
        },
      ],
      new Date().toISOString(),
    );
    const second = writer.appendToStream('second', [anEvent(2)], {
      expectedVersion: 'no_stream',
    });
    await lockWaitOf(admin, `${stores.schema().name}:writer`);
    await held.query('ROLLBACK');
    expect((await second).globalPositions).toEqual([1]);
    expect((await writer.readAll()).events.map((e) => e.streamId)).toEqual([
      'second',
    ]);
  });
});

describe('PostgresEventStore: group commit', () => {
  const stores = storesOnOneSchema();

  it('commits concurrent appends in shared transactions', async () => {
    const store = await stores.open('writer');
    const before = store.commitCount;
    await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        store.appendToStream(`s-${i}`, [anEvent(i)], {
          expectedVersion: 'no_stream',
        }),
      ),
    );
    expect(store.commitCount - before).toBeLessThan(5);
    expect(await store.headPosition()).toBe(500);
  });

  it('commits a group whose appends all pass in one call, and decides a group holding a refused append one append at a time', async () => {
    const store = await stores.open('one-trip');
    await store.appendToStream('kept', [anEvent(0)], {
      expectedVersion: 'no_stream',
    });
    const retried = { ...anEvent(1), eventId: randomUUID() };
    await store.appendToStream('kept', [retried], { expectedVersion: 0 });
    expect(store.oneTripCommits).toBe(store.commitCount);

    // One group: a new stream, a chained append to it, an empty append after them, a
    // retry of a stored event, and a stale expected version.
    const commits = store.commitCount;
    const oneTrips = store.oneTripCommits;
    const settled = await Promise.allSettled([
      store.appendToStream('fresh', [anEvent(2), anEvent(3)], {
        expectedVersion: 'no_stream',
      }),
      store.appendToStream('fresh', [anEvent(4)], { expectedVersion: 1 }),
      store.appendToStream('fresh', [], { expectedVersion: 2 }),
      store.appendToStream('kept', [retried], { expectedVersion: 0 }),
      store.appendToStream('kept', [anEvent(5)], { expectedVersion: 0 }),
    ]);
    expect(store.commitCount - commits).toBe(1);
    expect(store.oneTripCommits - oneTrips).toBe(0);
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
    ]);
    const values = settled.map((s) =>
      s.status === 'fulfilled' ? s.value : undefined,
    );
    expect(values[0]!.globalPositions).toEqual([3, 4]);
    expect(values[1]!.nextExpectedVersion).toBe(2);
    expect(values[2]!.nextExpectedVersion).toBe(2);
    expect(values[3]!.globalPositions).toEqual([2]);

    // The same group without the refused append takes one call, with the same answers.
    const again = await Promise.all([
      store.appendToStream('other', [anEvent(6), anEvent(7)], {
        expectedVersion: 'no_stream',
      }),
      store.appendToStream('other', [anEvent(8)], { expectedVersion: 1 }),
      store.appendToStream('other', [], { expectedVersion: 2 }),
      store.appendToStream('kept', [anEvent(9)], {
        expectedVersion: 'stream_exists',
      }),
    ]);
    expect(store.oneTripCommits - oneTrips).toBe(1);
    expect(again.map((r) => r.globalPositions)).toEqual([[6, 7], [8], [], [9]]);
    expect(again.map((r) => r.nextExpectedVersion)).toEqual([1, 2, 2, 2]);
    expect(
      (await store.readStream('other')).map((e) => [
        e.streamVersion,
        e.globalPosition,
      ]),
    ).toEqual([
      [0, 6],
      [1, 7],
      [2, 8],
    ]);
  });
});

describe('PostgresEventStore: a database whose default isolation is stricter', () => {
  const stores = storesOnOneSchema();

  it('appends as under READ COMMITTED, taking the two-step way that asks for it', async () => {
    const url = new URL(testDatabaseUrl());
    url.searchParams.set(
      'options',
      '-c default_transaction_isolation=repeatable\\ read',
    );
    await stores.open('migrate');
    const strict = await PostgresEventStore.open(url.toString(), {
      schema: stores.schema().name,
    });
    try {
      const other = await stores.open('other');
      await strict.appendToStream('s', [anEvent(0)], {
        expectedVersion: 'no_stream',
      });
      await other.appendToStream('s', [anEvent(1)], { expectedVersion: 0 });
      const last = await strict.appendToStream('s', [anEvent(2)], {
        expectedVersion: 1,
      });

      expect(last.globalPositions).toEqual([3]);
      expect(strict.commitCount).toBe(2);
      expect(strict.oneTripCommits).toBe(0);
      expect(other.oneTripCommits).toBe(other.commitCount);
    } finally {
      await strict.close();
    }
  });
});

describe('PostgresEventStore: instances sharing one schema', () => {
  const stores = storesOnOneSchema();

  it('keeps positions gapless and stream versions checked when two instances append to the same streams', async () => {
    const a = await stores.open('a');
    const b = await stores.open('b');
    // Each writer chains its expected versions; a conflict means the other instance
    // appended in between: read the stream's version and try again.
    const writer = async (store: PostgresEventStore, w: number) => {
      for (let i = 0; i < 30; i++) {
        const stream = `shared-${i % 3}`;
        for (;;) {
          const length = (await store.readStream(stream)).length;
          try {
            await store.appendToStream(stream, [anEvent(w * 1000 + i)], {
              expectedVersion: length === 0 ? 'no_stream' : length - 1,
            });
            break;
          } catch (error) {
            if (!(error instanceof ConcurrencyError)) throw error;
          }
        }
      }
    };
    await Promise.all([
      ...[0, 1, 2].map((w) => writer(a, w)),
      ...[3, 4, 5].map((w) => writer(b, w)),
    ]);
    const all = (await a.readAll({ limit: 1000 })).events;
    expect(all.map((e) => e.globalPosition)).toEqual(
      Array.from({ length: 180 }, (_, i) => i + 1),
    );
    for (const stream of ['shared-0', 'shared-1', 'shared-2']) {
      const events = await b.readStream(stream);
      expect(events.map((e) => e.streamVersion)).toEqual(
        Array.from({ length: 60 }, (_, i) => i),
      );
    }
  });

  it('lets exactly one of two instances win an append at the same version, and stores a retried event once', async () => {
    const a = await stores.open('a');
    const b = await stores.open('b');
    await a.appendToStream('s', [anEvent(0)], { expectedVersion: 'no_stream' });
    for (let round = 1; round <= 20; round++) {
      const outcomes = await Promise.allSettled([
        a.appendToStream('s', [anEvent(round)], {
          expectedVersion: round - 1,
        }),
        b.appendToStream('s', [anEvent(-round)], {
          expectedVersion: round - 1,
        }),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const [rejected] = outcomes.filter((o) => o.status === 'rejected');
      expect(rejected!.reason).toBeInstanceOf(ConcurrencyError);
    }
    expect(await a.readStream('s')).toHaveLength(21);

    const retried = { ...anEvent(99), eventId: randomUUID() };
    const [first, again] = await Promise.all([
      a.appendToStream('t', [retried], { expectedVersion: 'any' }),
      b.appendToStream('t', [retried], { expectedVersion: 'any' }),
    ]);
    expect(again).toEqual(first);
    expect(await b.readStream('t')).toHaveLength(1);
  });
});

describe('PostgresEventStore: subscriptions', () => {
  const stores = storesOnOneSchema();
  const never = 3_600_000;

  it('wakes a subscriber of one instance with the notification of an append by another', async () => {
    // It never polls: only the notification can wake it.
    const a = await stores.open('a', { pollIntervalMs: never });
    const b = await stores.open('b', { pollIntervalMs: never });
    const live = follow(a);
    for (let i = 1; i <= 5; i++) {
      await b.appendToStream(`s-${i % 2}`, [anEvent(i)], {
        expectedVersion: 'any',
      });
      await live.until((seen) => seen.length === i);
    }
    await live.close();
    expect(live.seen.map((e) => e.data)).toEqual(
      [1, 2, 3, 4, 5].map((n) => ({ n })),
    );
  });

  it('still delivers an append whose notification never came, by reading the head on its poll', async () => {
    const a = await stores.open('a', { pollIntervalMs: 50 });
    const live = follow(a);
    await a.appendToStream('s', [anEvent(1)], { expectedVersion: 'any' });
    await live.until((seen) => seen.length === 1);
    // An append whose transaction notifies a channel nobody listens to: for the subscriber
    // it is a lost notification.
    const silent = await adminClient();
    try {
      await silent.query('BEGIN');
      await appendInTransaction(
        silent,
        { ...a.tables, channel: `nobody:${randomUUID()}` },
        [
          {
            streamId: 's',
            events: [anEvent(2)],
            options: { expectedVersion: 0 },
          },
        ],
        new Date().toISOString(),
      );
      await silent.query('COMMIT');
    } finally {
      await silent.end();
    }
    await live.until((seen) => seen.length === 2);
    await live.close();
    expect(live.seen.map((e) => [e.globalPosition, e.data])).toEqual([
      [1, { n: 1 }],
      [2, { n: 2 }],
    ]);
  });
});

describe('PostgresEventStore: what it stores', () => {
  const stores = storesOnOneSchema();

  it('keeps data, metadata, ids and stream names exactly, quotes, backslashes and any Unicode included', async () => {
    const store = await stores.open('writer');
    const awkward = `it's "quoted" \\ back\\slashed \\' $$ $x$ \n\t é 😀 \u2028 E'\\x41'`;
    const streamId = `s-${awkward}`;
    const eventId = `id-${awkward}`;
    const data = {
      text: awkward,
      nested: { list: [1, 2.5, -0.125, true, null, awkward], empty: {} },
      zero: '\u0000 inside data is JSON',
    };
    const result = await store.appendToStream(
      streamId,
      [
        {
          eventId,
          type: `T-${awkward}`,
          data,
          metadata: { correlationId: awkward },
        },
      ],
      { expectedVersion: 'no_stream' },
    );
    const [read] = await store.readStream(streamId);
    expect(read).toEqual(result.events[0]);
    expect(read!.data).toEqual(data);
    expect(JSON.stringify(read!.data)).toBe(JSON.stringify(data));
    expect(read!.eventId).toBe(eventId);
    expect(read!.type).toBe(`T-${awkward}`);
    expect(read!.metadata).toEqual({ correlationId: awkward });
    expect(
      (await store.readAll({ filter: { streamPrefix: streamId } })).events,
    ).toEqual([read]);
    // The retried append finds the event by its id.
    await expect(
      store.appendToStream(
        streamId,
        [{ eventId, type: `T-${awkward}`, data }],
        { expectedVersion: 'no_stream' },
      ),
    ).resolves.toEqual(result);
  });

  it('refuses text PostgreSQL cannot hold for that append alone', async () => {
    const store = await stores.open('writer');
    const outcomes = await Promise.allSettled([
      store.appendToStream('nul\u0000stream', [anEvent(1)], {
        expectedVersion: 'any',
      }),
      store.appendToStream('s', [anEvent(2, 'lone \udc00 surrogate')], {
        expectedVersion: 'any',
      }),
      store.appendToStream('s', [anEvent(3)], { expectedVersion: 'any' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual([
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect(
      outcomes
        .filter((o) => o.status === 'rejected')
        .map((o) => o.reason as unknown),
    ).toEqual([expect.any(TypeError), expect.any(TypeError)]);
    expect((await store.readAll()).events.map((e) => e.data)).toEqual([
      { n: 3 },
    ]);
  });
});
