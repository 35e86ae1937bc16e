import { randomUUID } from 'node:crypto';
import { ConcurrencyError } from '../../../src/infrastructure/event-store/event-store.errors';
import type {
  EventStore,
  EventToAppend,
  RecordedEvent,
} from '../../../src/infrastructure/event-store/event-store.port';

/** How the contract suite gets stores of one adapter. */
export interface EventStoreHarness {
  /** A new, empty store. */
  create(): Promise<EventStore>;
  /**
   * Closes `store` and opens the same storage again; undefined for adapters without
   * durable storage.
   */
  reopen?: (store: EventStore) => Promise<EventStore>;
  /** Releases whatever `create` made (files, folders). */
  dispose(): Promise<void>;
}

const anEvent = (n: number, type = 'Numbered'): EventToAppend => ({
  type,
  data: { n },
  metadata: { correlationId: `c-${n}` },
});

async function collect(
  store: EventStore,
  count: number,
  fromPosition = 1,
): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  const subscription = store.subscribe({ fromPosition, batchSize: 7 });
  for await (const batch of subscription) {
    seen.push(...batch);
    if (seen.length >= count) subscription.close();
  }
  return seen;
}

/** The behaviour every EventStore adapter must have. */
export function eventStoreContract(
  adapterName: string,
  makeHarness: () => EventStoreHarness,
): void {
  describe(`EventStore contract: ${adapterName}`, () => {
    let harness: EventStoreHarness;
    let store: EventStore;

    beforeEach(async () => {
      harness = makeHarness();
      store = await harness.create();
    });

    afterEach(async () => {
      await store.close();
      await harness.dispose();
    });

    describe('appendToStream and readStream', () => {
      it('stores events with 0-based stream versions, their data and metadata', async () => {
        const result = await store.appendToStream(
          's-1',
          [anEvent(1), anEvent(2)],
          { expectedVersion: 'no_stream' },
        );
        expect(result.nextExpectedVersion).toBe(1);
        expect(result.globalPositions).toEqual([1, 2]);

        const events = await store.readStream('s-1');
        expect(events.map((e) => [e.streamVersion, e.type, e.data])).toEqual([
          [0, 'Numbered', { n: 1 }],
          [1, 'Numbered', { n: 2 }],
        ]);
        // The append answers with exactly what a read of the stream returns.
        expect(result.events).toEqual(events);
        expect(events[0]!.metadata).toEqual({ correlationId: 'c-1' });
        expect(events[0]!.eventId).toMatch(/[0-9a-f-]{36}/);
        expect(Number.isNaN(Date.parse(events[0]!.recordedAt))).toBe(false);
      });

      it('reads a stream from a version with a maximum count', async () => {
        await store.appendToStream(
          's-1',
          [1, 2, 3, 4, 5].map((n) => anEvent(n)),
          {
            expectedVersion: 'any',
          },
        );
        const page = await store.readStream('s-1', {
          fromVersion: 2,
          maxCount: 2,
        });
        expect(page.map((e) => e.data)).toEqual([{ n: 3 }, { n: 4 }]);
        expect(await store.readStream('unknown')).toEqual([]);
      });

      it('checks a numeric expected version', async () => {
        await store.appendToStream('s-1', [anEvent(1)], {
          expectedVersion: 'any',
        });
        await expect(
          store.appendToStream('s-1', [anEvent(2)], { expectedVersion: 0 }),
        ).resolves.toMatchObject({ nextExpectedVersion: 1 });
        const stale = store.appendToStream('s-1', [anEvent(3)], {
          expectedVersion: 0,
        });
        await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(stale).rejects.toMatchObject({
          code: 'EVENT_STORE.CONCURRENCY',
          actual: 1,
        });
        expect(await store.readStream('s-1')).toHaveLength(2);
      });

      it("checks 'no_stream'", async () => {
        await store.appendToStream('s-1', [anEvent(1)], {
          expectedVersion: 'no_stream',
        });
        await expect(
          store.appendToStream('s-1', [anEvent(2)], {
            expectedVersion: 'no_stream',
          }),
        ).rejects.toBeInstanceOf(ConcurrencyError);
      });

      it("checks 'stream_exists'", async () => {
        await expect(
          store.appendToStream('s-1', [anEvent(1)], {
            expectedVersion: 'stream_exists',
          }),
        ).rejects.toMatchObject({ actual: 'no_stream' });
        await store.appendToStream('s-1', [anEvent(1)], {
          expectedVersion: 'any',
        });
        await expect(
          store.appendToStream('s-1', [anEvent(2)], {
            expectedVersion: 'stream_exists',
          }),
        ).resolves.toMatchObject({ nextExpectedVersion: 1 });
      });

      it("does not check 'any'", async () => {
        await store.appendToStream('s-1', [anEvent(1)], {
          expectedVersion: 'any',
        });
        await store.appendToStream('s-1', [anEvent(2)], {
          expectedVersion: 'any',
        });
        expect(await store.readStream('s-1')).toHaveLength(2);
      });

      it('appends nothing at all when the version check fails', async () => {
        await store.appendToStream('s-1', [anEvent(1)], {
          expectedVersion: 'any',
        });
        await expect(
          store.appendToStream('s-1', [anEvent(2), anEvent(3)], {
            expectedVersion: 5,
          }),
        ).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await store.readStream('s-1')).toHaveLength(1);
        expect(await store.headPosition()).toBe(1);
      });

      it('answers an empty append with the current version', async () => {
        await store.appendToStream('s-1', [anEvent(1)], {
          expectedVersion: 'any',
        });
        await expect(
          store.appendToStream('s-1', [], { expectedVersion: 0 }),
        ).resolves.toEqual({
          nextExpectedVersion: 0,
          globalPositions: [],
          events: [],
        });
      });

      it('lets exactly one of two concurrent appends at the same version win', async () => {
        await store.appendToStream('s-1', [anEvent(1)], {
          expectedVersion: 'any',
        });
        const outcomes = await Promise.allSettled([
          store.appendToStream('s-1', [anEvent(2)], { expectedVersion: 0 }),
          store.appendToStream('s-1', [anEvent(3)], { expectedVersion: 0 }),
        ]);
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(
          1,
        );
        const rejected = outcomes.filter((o) => o.status === 'rejected');
        expect(rejected).toHaveLength(1);
        expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(
          ConcurrencyError,
        );
        expect(await store.readStream('s-1')).toHaveLength(2);
      });

      it('keeps a failing append from affecting concurrent appends to other streams', async () => {
        await store.appendToStream('b', [anEvent(0)], {
          expectedVersion: 'any',
        });
        const outcomes = await Promise.allSettled([
          store.appendToStream('a', [anEvent(1)], {
            expectedVersion: 'no_stream',
          }),
          store.appendToStream('b', [anEvent(2)], {
            expectedVersion: 'no_stream',
          }),
          store.appendToStream('c', [anEvent(3)], {
            expectedVersion: 'no_stream',
          }),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual([
          'fulfilled',
          'rejected',
          'fulfilled',
        ]);
        expect(await store.readStream('a')).toHaveLength(1);
        expect(await store.readStream('b')).toHaveLength(1);
        expect(await store.readStream('c')).toHaveLength(1);
      });
    });

    describe('event ids', () => {
      it('stores a retried append with the same event ids only once', async () => {
        const ids = [randomUUID(), randomUUID()];
        const events = ids.map((eventId, n) => ({ ...anEvent(n), eventId }));
        const first = await store.appendToStream('s-1', events, {
          expectedVersion: 'no_stream',
        });
        const retry = await store.appendToStream('s-1', events, {
          expectedVersion: 'no_stream',
        });
        expect(retry).toEqual(first);
        const stored = await store.readStream('s-1');
        expect(stored.map((e) => e.eventId)).toEqual(ids);
      });

      it('stores concurrent duplicates of one append once', async () => {
        const event = { ...anEvent(1), eventId: randomUUID() };
        const results = await Promise.all(
          [1, 2, 3].map(() =>
            store.appendToStream('s-1', [event], { expectedVersion: 'any' }),
          ),
        );
        expect(new Set(results.map((r) => r.globalPositions[0])).size).toBe(1);
        expect(await store.headPosition()).toBe(1);
      });

      it('rejects an append that repeats only some earlier event ids', async () => {
        const eventId = randomUUID();
        await store.appendToStream('s-1', [{ ...anEvent(1), eventId }], {
          expectedVersion: 'any',
        });
        await expect(
          store.appendToStream(
            's-1',
            [{ ...anEvent(1), eventId }, anEvent(2)],
            {
              expectedVersion: 'any',
            },
          ),
        ).rejects.toMatchObject({ code: 'EVENT_STORE.PARTIAL_DUPLICATE' });
        expect(await store.headPosition()).toBe(1);
      });

      it('refuses, whole, an append that names one event id twice, and keeps its batch', async () => {
        const eventId = randomUUID();
        const [twice, other] = await Promise.allSettled([
          store.appendToStream(
            's-1',
            [
              anEvent(1),
              { ...anEvent(2), eventId },
              { ...anEvent(3), eventId },
            ],
            { expectedVersion: 'no_stream' },
          ),
          // Committed in the same batch by adapters that batch: it must not be lost.
          store.appendToStream('s-2', [anEvent(4)], {
            expectedVersion: 'no_stream',
          }),
        ]);
        expect(twice).toMatchObject({
          status: 'rejected',
          reason: { code: 'EVENT_STORE.PARTIAL_DUPLICATE' },
        });
        expect(other.status).toBe('fulfilled');
        expect(await store.readStream('s-1')).toEqual([]);
        expect((await store.readStream('s-2')).map((e) => e.data)).toEqual([
          { n: 4 },
        ]);
      });
    });

    describe('readAll', () => {
      it('returns events in commit order and pages with nextPosition', async () => {
        await store.appendToStream('a', [anEvent(1)], {
          expectedVersion: 'any',
        });
        await store.appendToStream('b', [anEvent(2), anEvent(3)], {
          expectedVersion: 'any',
        });
        await store.appendToStream('a', [anEvent(4)], {
          expectedVersion: 'any',
        });

        const first = await store.readAll({ limit: 3 });
        expect(first.events.map((e) => e.data)).toEqual([
          { n: 1 },
          { n: 2 },
          { n: 3 },
        ]);
        expect(first.isEnd).toBe(false);
        const second = await store.readAll({
          fromPosition: first.nextPosition,
          limit: 3,
        });
        expect(
          second.events.map((e) => [e.globalPosition, e.streamId]),
        ).toEqual([[4, 'a']]);
        expect(second.isEnd).toBe(true);
        expect(second.nextPosition).toBe(5);
        const empty = await store.readAll({ fromPosition: 5 });
        expect(empty).toEqual({ events: [], nextPosition: 5, isEnd: true });
      });

      it('filters by type and stream prefix without losing the scan position', async () => {
        await store.appendToStream(
          'job-1',
          [anEvent(1, 'A'), anEvent(2, 'B')],
          {
            expectedVersion: 'any',
          },
        );
        await store.appendToStream('repo-1', [anEvent(3, 'A')], {
          expectedVersion: 'any',
        });
        await store.appendToStream(
          'job-2',
          [anEvent(4, 'A'), anEvent(5, 'C')],
          {
            expectedVersion: 'any',
          },
        );

        const byType = await store.readAll({ filter: { types: ['A'] } });
        expect(byType.events.map((e) => e.data)).toEqual([
          { n: 1 },
          { n: 3 },
          { n: 4 },
        ]);
        expect(byType.nextPosition).toBe(6);

        const byPrefix = await store.readAll({
          filter: { streamPrefix: 'job-', types: ['A', 'C'] },
          limit: 2,
        });
        expect(byPrefix.events.map((e) => e.data)).toEqual([
          { n: 1 },
          { n: 4 },
        ]);
        const rest = await store.readAll({
          fromPosition: byPrefix.nextPosition,
          filter: { streamPrefix: 'job-', types: ['A', 'C'] },
          limit: 2,
        });
        expect(rest.events.map((e) => e.data)).toEqual([{ n: 5 }]);
        expect(rest.isEnd).toBe(true);
      });

      it('never shows a reader a gap or half an append while appends commit', async () => {
        const appends: Promise<unknown>[] = [];
        for (let i = 0; i < 200; i++) {
          appends.push(
            store.appendToStream(`s-${i % 10}`, [anEvent(i), anEvent(i)], {
              expectedVersion: 'any',
            }),
          );
        }
        let done = false;
        const allDone = Promise.all(appends).then(() => {
          done = true;
        });
        const observations: number[][] = [];
        while (!done) {
          const page = await store.readAll({ limit: 10_000 });
          observations.push(page.events.map((e) => e.globalPosition));
          await new Promise((resolve) => setImmediate(resolve));
        }
        await allDone;
        observations.push(
          (await store.readAll({ limit: 10_000 })).events.map(
            (e) => e.globalPosition,
          ),
        );
        for (const positions of observations) {
          expect(positions).toEqual(positions.map((_, i) => i + 1));
          expect(positions.length % 2).toBe(0);
        }
        expect(observations[observations.length - 1]).toHaveLength(400);
      });

      it('orders global positions as the appends committed', async () => {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            store.appendToStream(`s-${i}`, [anEvent(i)], {
              expectedVersion: 'no_stream',
            }),
          ),
        );
        const page = await store.readAll({ limit: 100 });
        for (const [i, result] of results.entries()) {
          const event = page.events.find((e) => e.streamId === `s-${i}`)!;
          expect(event.globalPosition).toBe(result.globalPositions[0]);
        }
        expect(await store.headPosition()).toBe(50);
      });
    });

    describe('subscribe', () => {
      it('catches up from history, then follows live appends, with nothing lost or repeated', async () => {
        for (let i = 0; i < 30; i++) {
          await store.appendToStream(`s-${i % 3}`, [anEvent(i)], {
            expectedVersion: 'any',
          });
        }
        const received = collect(store, 60);
        for (let i = 30; i < 60; i++) {
          await store.appendToStream(`s-${i % 3}`, [anEvent(i)], {
            expectedVersion: 'any',
          });
        }
        const events = await received;
        expect(events.map((e) => e.globalPosition)).toEqual(
          Array.from({ length: 60 }, (_, i) => i + 1),
        );
      });

      it('starts from a given position and keeps a filter', async () => {
        await store.appendToStream(
          'a',
          [anEvent(1, 'A'), anEvent(2, 'B'), anEvent(3, 'A')],
          {
            expectedVersion: 'any',
          },
        );
        const subscription = store.subscribe({
          fromPosition: 2,
          filter: { types: ['A'] },
        });
        const seen: RecordedEvent[] = [];
        const consumer = (async () => {
          for await (const batch of subscription) {
            seen.push(...batch);
            if (seen.length >= 2) subscription.close();
          }
        })();
        await store.appendToStream('b', [anEvent(4, 'B'), anEvent(5, 'A')], {
          expectedVersion: 'any',
        });
        await consumer;
        expect(seen.map((e) => e.data)).toEqual([{ n: 3 }, { n: 5 }]);
      });

      it('delivers every event of concurrent appends exactly once to a live subscriber', async () => {
        const received = collect(store, 300);
        await Promise.all(
          Array.from({ length: 300 }, (_, i) =>
            store.appendToStream(`s-${i % 7}`, [anEvent(i)], {
              expectedVersion: 'any',
            }),
          ),
        );
        const events = await received;
        expect(events.map((e) => e.globalPosition)).toEqual(
          Array.from({ length: 300 }, (_, i) => i + 1),
        );
      });

      it('ends its iteration when the store closes', async () => {
        const subscription = store.subscribe();
        const iteration = (async () => {
          let batches = 0;
          for await (const _ of subscription) batches++;
          return batches;
        })();
        await store.appendToStream('a', [anEvent(1)], {
          expectedVersion: 'any',
        });
        await store.close();
        await expect(iteration).resolves.toBeGreaterThanOrEqual(0);
      });
    });

    it('survives 1,000 concurrent appends over 100 streams without an error or a lost event', async () => {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 1000 }, (_, i) =>
          store.appendToStream(`load-${i % 100}`, [anEvent(i)], {
            expectedVersion: 'any',
          }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
      expect(await store.headPosition()).toBe(1000);
      for (const s of [0, 42, 99]) {
        const events = await store.readStream(`load-${s}`);
        expect(events.map((e) => e.streamVersion)).toEqual(
          Array.from({ length: 10 }, (_, i) => i),
        );
      }
    });

    it('chains expected versions across 100 streams under concurrency', async () => {
      const writer = async (stream: string) => {
        let version: number | 'no_stream' = 'no_stream';
        for (let i = 0; i < 10; i++) {
          const r = await store.appendToStream(stream, [anEvent(i)], {
            expectedVersion: version,
          });
          version = r.nextExpectedVersion;
        }
        return version;
      };
      const versions = await Promise.all(
        Array.from({ length: 100 }, (_, i) => writer(`chain-${i}`)),
      );
      expect(versions.every((v) => v === 9)).toBe(true);
      expect(await store.headPosition()).toBe(1000);
    });

    it('keeps everything across close and reopen', async () => {
      if (!harness.reopen) return;
      await store.appendToStream('a', [anEvent(1), anEvent(2)], {
        expectedVersion: 'any',
      });
      await store.appendToStream(
        'b',
        [{ ...anEvent(3), eventId: 'fixed-id' }],
        {
          expectedVersion: 'any',
        },
      );
      const before = (await store.readAll()).events;
      store = await harness.reopen(store);
      expect((await store.readAll()).events).toEqual(before);
      await expect(
        store.appendToStream('a', [anEvent(4)], { expectedVersion: 1 }),
      ).resolves.toMatchObject({
        nextExpectedVersion: 2,
        globalPositions: [4],
      });
      await expect(
        store.appendToStream('b', [{ ...anEvent(3), eventId: 'fixed-id' }], {
          expectedVersion: 'no_stream',
        }),
      ).resolves.toMatchObject({
        nextExpectedVersion: 0,
        globalPositions: [3],
      });
    });

    it('rejects appends after close', async () => {
      await store.close();
      await expect(
        store.appendToStream('a', [anEvent(1)], { expectedVersion: 'any' }),
      ).rejects.toMatchObject({ code: 'EVENT_STORE.CLOSED' });
    });
  });
}
