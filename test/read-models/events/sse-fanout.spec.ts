import { Writable } from 'node:stream';
import type {
  EventToAppend,
  RecordedEvent,
} from '../../../src/infrastructure/event-store/event-store.port';
import { InMemoryEventStore } from '../../../src/infrastructure/event-store/in-memory-event-store';
import { SseFanout } from '../../../src/read-models/events/sse-fanout';
import {
  inScope,
  type SseScope,
} from '../../../src/read-models/events/sse.filter';
import { seededRandom } from '../../support/resuming-sse';

/**
 * A client's connection: it records what it is sent; while `paused`, it reads nothing, so
 * what is written piles up unsent as on a client that stopped reading.
 */
class Connection extends Writable {
  text = '';
  private unread: Array<() => void> = [];
  private readonly watchers: Array<() => void> = [];

  constructor(
    private paused = false,
    highWaterMark = 1024,
  ) {
    super({
      highWaterMark,
      write: (chunk: Buffer, _encoding, done) => {
        if (this.paused) {
          this.unread.push(done);
          return;
        }
        this.text += chunk.toString();
        done();
        for (const watch of this.watchers) watch();
      },
    });
  }

  /** The ids of the messages received whole. */
  get ids(): number[] {
    return [...this.text.matchAll(/^id: (\d+)\nevent: /gm)].map((m) =>
      Number(m[1]),
    );
  }

  /** Resolves once `ready` holds, checked after every write received. */
  until(ready: (c: Connection) => boolean): Promise<void> {
    if (ready(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onClose = () => {
        this.watchers.splice(this.watchers.indexOf(watch), 1);
        if (ready(this)) resolve();
        else reject(new Error('closed'));
      };
      const watch = () => {
        if (!ready(this)) return;
        this.watchers.splice(this.watchers.indexOf(watch), 1);
        this.off('close', onClose);
        resolve();
      };
      this.watchers.push(watch);
      this.once('close', onClose);
    });
  }

  /** Resolves once the message at `position` (or a later one) has been received. */
  reach(position: number): Promise<void> {
    return this.until((c) => (c.ids.at(-1) ?? 0) >= position);
  }
}

const event = (
  orgId: string,
  repoId: string,
  jobId: string,
  data: object = {},
): EventToAppend => ({
  type: 'RepoActionProgressed',
  data,
  metadata: { orgId, repoId, jobId },
});

async function append(
  store: InMemoryEventStore,
  ...events: EventToAppend[]
): Promise<number> {
  const result = await store.appendToStream(
    `repo-action-${events[0]!.metadata!.jobId!}`,
    events,
    { expectedVersion: 'any' },
  );
  return result.globalPositions.at(-1)!;
}

async function storedEvents(
  store: InMemoryEventStore,
): Promise<RecordedEvent[]> {
  return (await store.readAll({ limit: 100_000 })).events;
}

/** What a client of `scope` starting at `from` must receive: its events, each once, in order. */
const expected = (all: RecordedEvent[], scope: SseScope, from: number) =>
  all
    .filter((e) => e.globalPosition >= from && inScope(e, scope))
    .map((e) => e.globalPosition);

/** Counts the store's reads. */
function countReads(store: InMemoryEventStore): { reads: number } {
  const counter = { reads: 0 };
  const readAll = store.readAll.bind(store);
  store.readAll = (options) => {
    counter.reads++;
    return readAll(options);
  };
  return counter;
}

/** Until every connection's stream is open and live, so that no catch-up read is pending. */
const live = (fanout: SseFanout, count: number) =>
  new Promise<void>((resolve) => {
    const check = () =>
      fanout.liveCount === count ? resolve() : setImmediate(check);
    check();
  });

describe('SseFanout', () => {
  let store: InMemoryEventStore;
  let fanout: SseFanout;

  beforeEach(() => {
    store = new InMemoryEventStore();
  });

  afterEach(async () => {
    fanout.close();
    await store.close();
  });

  it("sends each client its org's events, narrowed by repo and job, in order and once", async () => {
    fanout = new SseFanout(store, { writesPerTurn: 2 });
    await append(store, event('o1', 'r1', 'j0'));
    const scopes: SseScope[] = [
      { orgId: 'o1' },
      { orgId: 'o1', repoId: 'r1' },
      { orgId: 'o1', jobId: 'j1' },
      { orgId: 'o1', repoId: 'r2', jobId: 'j2' },
      { orgId: 'o1', repoId: 'r1', jobId: 'j2' },
      { orgId: 'o2' },
      { orgId: 'o2', repoId: 'r1' },
    ];
    const connections = scopes.map((scope) => {
      const c = new Connection();
      fanout.open(c, scope, 2);
      return c;
    });
    await live(fanout, scopes.length);
    await append(store, event('o1', 'r1', 'j1'), event('o1', 'r1', 'j1'));
    await append(store, event('o1', 'r2', 'j2'));
    await append(store, event('o2', 'r1', 'j3'), event('o1', 'r2', 'j2'));
    await append(store, {
      type: 'RepoActionProgressed',
      data: {},
      metadata: { repoId: 'r1', jobId: 'j4' }, // no org: for no one
    });
    const last = await append(store, event('o2', 'r9', 'j9'));
    const all = await storedEvents(store);
    // Each client is complete once a final event of its own scope arrived; `o2` ones get
    // the last event, the others are checked after it was dispatched to everyone.
    await connections[5]!.reach(last);
    await new Promise((resolve) => setImmediate(resolve));
    scopes.forEach((scope, i) =>
      expect(connections[i]!.ids).toEqual(expected(all, scope, 2)),
    );
    expect(connections[0]!.ids).toEqual([2, 3, 4, 6]);
    expect(connections[6]!.ids).toEqual([5]);
  });

  it('reads the store once per new head position, however many clients follow it', async () => {
    const readsFor = async (clients: number): Promise<number> => {
      const own = new InMemoryEventStore();
      const counter = countReads(own);
      const shared = new SseFanout(own);
      const connections = Array.from({ length: clients }, () => {
        const c = new Connection();
        shared.open(c, { orgId: 'o1' }, 1);
        return c;
      });
      await live(shared, clients);
      counter.reads = 0;
      for (let i = 0; i < 5; i++) {
        const position = await append(own, event('o1', 'r1', `j${i}`));
        await Promise.all(connections.map((c) => c.reach(position)));
      }
      shared.close();
      await own.close();
      for (const c of connections) expect(c.ids).toEqual([1, 2, 3, 4, 5]);
      return counter.reads;
    };
    fanout = new SseFanout(store);
    const one = await readsFor(1);
    const many = await readsFor(200);
    expect(one).toBe(5);
    expect(many).toBe(one);
  });

  it('keeps no stream for a client that went before its stream began', () => {
    fanout = new SseFanout(store);
    const c = new Connection();
    c.destroy();
    fanout.open(c, { orgId: 'o1' }, 1);
    expect(fanout.size).toBe(0);
    expect(c.text).toBe('');
  });

  it('stops reading the store when the last client goes', async () => {
    const counter = countReads(store);
    fanout = new SseFanout(store);
    const c = new Connection();
    fanout.open(c, { orgId: 'o1' }, 1);
    await live(fanout, 1);
    c.destroy();
    await new Promise((resolve) => c.once('close', resolve));
    const before = counter.reads;
    await append(store, event('o1', 'r1', 'j1'));
    await append(store, event('o1', 'r1', 'j2'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(fanout.size).toBe(0);
    expect(counter.reads).toBe(before);
  });

  it('drops a client that leaves too much unsent, without holding back the others, and it resumes with nothing lost', async () => {
    const warnings: string[] = [];
    fanout = new SseFanout(store, {
      maxBufferedBytes: 2_000,
      warn: (m) => warnings.push(m),
    });
    const slow = new Connection(true, 16);
    const fast = new Connection();
    fanout.open(slow, { orgId: 'o1' }, 1);
    fanout.open(fast, { orgId: 'o1' }, 1);
    await live(fanout, 2);
    const padding = 'x'.repeat(300);
    let last = 0;
    for (let i = 0; i < 30; i++) {
      last = await append(store, event('o1', 'r1', `j${i}`, { padding }));
      await fast.reach(last);
    }
    expect(slow.destroyed).toBe(true);
    expect(fanout.dropped).toBe(1);
    expect(warnings.join('\n')).toMatch(/slow event stream.*Last-Event-ID/);
    expect(fast.ids).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(fanout.size).toBe(1);

    // What the slow client received whole, then a new connection from after it.
    const received = slow.ids;
    const again = new Connection();
    fanout.open(again, { orgId: 'o1' }, (received.at(-1) ?? 0) + 1);
    await again.reach(last);
    expect([...received, ...again.ids]).toEqual(fast.ids);
  });

  it('loses, repeats and reorders nothing for clients joining at any position while events are appended', async () => {
    const random = seededRandom(13);
    fanout = new SseFanout(store, { writesPerTurn: 3 });
    const scopes: SseScope[] = [
      { orgId: 'o1' },
      { orgId: 'o1', repoId: 'r1' },
      { orgId: 'o2' },
      { orgId: 'o1', jobId: 'j1' },
    ];
    const clients: Array<{ c: Connection; scope: SseScope; from: number }> = [];
    let head = 0;
    for (let round = 0; round < 60; round++) {
      const batch = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
        event(
          random() < 0.7 ? 'o1' : 'o2',
          random() < 0.5 ? 'r1' : 'r2',
          random() < 0.5 ? 'j1' : 'j2',
        ),
      );
      // Appends that are not awaited land while clients catch up and join.
      const appending = append(store, ...batch);
      if (random() < 0.4) {
        const c = new Connection();
        const scope = scopes[Math.floor(random() * scopes.length)]!;
        const from = 1 + Math.floor(random() * (head + 2));
        fanout.open(c, scope, from);
        clients.push({ c, scope, from });
      }
      if (random() < 0.1 && clients.length > 0) {
        // A client goes: the rest go on.
        clients
          .splice(Math.floor(random() * clients.length), 1)[0]!
          .c.destroy();
      }
      head = await appending;
      if (random() < 0.3) await new Promise((r) => setImmediate(r));
    }
    // A final event of every scope, so that each client knows it is complete.
    const end = await append(
      store,
      event('o1', 'r1', 'j1'),
      event('o2', 'r1', 'j1'),
    );
    const all = await storedEvents(store);
    for (const { c, scope } of clients)
      await c.reach(scope.orgId === 'o1' ? end - 1 : end);
    expect(clients.length).toBeGreaterThan(10);
    for (const { c, scope, from } of clients)
      expect(c.ids).toEqual(expected(all, scope, from));
  });

  it('answers other work between the writes of one batch to many clients', async () => {
    fanout = new SseFanout(store, { writesPerTurn: 10 });
    const connections = Array.from({ length: 50 }, () => new Connection());
    for (const c of connections) fanout.open(c, { orgId: 'o1' }, 1);
    await live(fanout, 50);
    let servedAt: number | undefined;
    // Work queued once the first client has the event runs before the last one has it.
    void connections[0]!.reach(1).then(() =>
      setImmediate(() => {
        servedAt = connections.filter((c) => c.ids.length > 0).length;
      }),
    );
    await append(store, event('o1', 'r1', 'j1'));
    await connections[49]!.reach(1);
    expect(servedAt).toBeDefined();
    expect(servedAt).toBeLessThan(50);
  });

  it('sends a heartbeat to idle streams and ends every stream on close', async () => {
    jest.useFakeTimers({
      doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'],
    });
    try {
      fanout = new SseFanout(store, { heartbeatMs: 1000 });
      const c = new Connection();
      fanout.open(c, { orgId: 'o1' }, 1);
      await live(fanout, 1);
      expect(c.text).not.toContain(': ping');
      jest.advanceTimersByTime(1000);
      await c.until((x) => x.text.includes(': ping\n\n'));
      fanout.close();
      expect(c.writableEnded).toBe(true);
      expect(fanout.size).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
