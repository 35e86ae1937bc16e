import { InMemoryLeaseStore } from '../../../src/infrastructure/leases/in-memory-lease-store';
import { RepoLeaseGate } from '../../../src/sagas/job-runner/repo-lease.gate';
import { ManualClock } from '../../infrastructure/leases/lease-store.contract';

const TTL = 3_000;

describe('the repo lease gate (instances sharing one store)', () => {
  let clock: ManualClock;
  let store: InMemoryLeaseStore;
  const lost: string[] = [];
  const logger = { warn: jest.fn<void, [string]>() };
  const gateOf = (holder: string) =>
    new RepoLeaseGate(store, {
      holder,
      ttlMs: TTL,
      onLost: (repoId) => lost.push(`${holder}:${repoId}`),
      logger,
    });

  /** Asks until the gate lets the lane in (a first ask may be spread). */
  const take = async (gate: RepoLeaseGate, repoId: string) => {
    for (let ask = 0; ask < 2; ask++)
      if ((await gate.enter(repoId)) === undefined) return;
    throw new Error(`${repoId} was not let in`);
  };

  beforeEach(() => {
    clock = new ManualClock();
    store = new InMemoryLeaseStore(clock);
    lost.length = 0;
    logger.warn.mockReset();
  });

  it('given a repo no one holds, when an instance asks, then it takes the lease and its lane may run; another instance is told to ask again later', async () => {
    const a = gateOf('a');
    const b = gateOf('b');

    expect(await a.enter('r1')).toBeUndefined();
    expect(await b.enter('r1')).toBe(750);
    expect(a.repos()).toEqual(['r1']);
    expect(b.repos()).toEqual([]);
    expect((await store.holderOf('repo:r1'))?.holder).toBe('a');
  });

  it('given a repo held, when its lane empties, then the lease stays with its holder (the clone is there), renewed past its ttl', async () => {
    const a = gateOf('a');
    const b = gateOf('b');
    await a.enter('r1');
    a.leave('r1');

    for (let beat = 0; beat < 5; beat++) {
      clock.advance(TTL / 3);
      await a.renewAll();
    }

    expect(await b.enter('r1')).toBe(750);
    expect(a.holds('r1')).toBe(true);
  });

  it('given a holder that stopped renewing (killed), when its lease expires, then another instance takes the repo over, and the old holder learns it lost it at its next beat', async () => {
    const a = gateOf('a');
    const b = gateOf('b');
    await a.enter('r1');

    clock.advance(TTL - 1);
    expect(await b.enter('r1')).toBe(750);
    clock.advance(1);
    expect(await b.enter('r1')).toBeUndefined();
    await a.renewAll();

    expect(b.holds('r1')).toBe(true);
    expect(a.holds('r1')).toBe(false);
    expect(lost).toEqual(['a:r1']);
    expect(logger.warn.mock.calls[0]![0]).toBe(
      'lost the lease of repo r1 (token 1) to another instance',
    );
  });

  it('given an instance stopping, when it stops, then it gives its repos up and another takes them at once', async () => {
    const a = gateOf('a');
    const b = gateOf('b');
    await take(a, 'r1');
    await take(a, 'r2');

    await a.stop();

    expect(await b.enter('r1')).toBeUndefined();
    expect(await b.enter('r2')).toBe(25);
    expect(await b.enter('r2')).toBeUndefined();
    expect(a.repos()).toEqual([]);
    expect(lost).toEqual([]);
  });

  it('given an instance holding repos, when a new repo comes, then its first ask waits a little for each repo it holds, so that a less busy instance takes it', async () => {
    const busy = gateOf('busy');
    const idle = gateOf('idle');
    await take(busy, 'r1');
    await take(busy, 'r2');

    expect(await busy.enter('r3')).toBe(50);
    expect(await idle.enter('r3')).toBeUndefined();
    expect(await busy.enter('r3')).toBe(750);
  });

  it('given a job about to publish, when its instance confirms the repo, then a lease still held is renewed, one expired that no one took is taken again, and one another instance took is refused and reported lost', async () => {
    const a = gateOf('a');
    const b = gateOf('b');
    await a.enter('r1');

    clock.advance(TTL - 1);
    expect(await a.confirm('r1')).toBe(true);
    clock.advance(TTL - 1);
    expect(await b.enter('r1')).toBe(750);

    clock.advance(TTL);
    expect(await a.confirm('r1')).toBe(true);
    expect(a.holds('r1')).toBe(true);

    clock.advance(TTL);
    expect(await b.enter('r1')).toBeUndefined();
    expect(await a.confirm('r1')).toBe(false);
    expect(a.holds('r1')).toBe(false);
    expect(lost).toEqual(['a:r1']);
    expect(await a.confirm('r1')).toBe(false);
    expect(lost).toEqual(['a:r1']);
  });

  it('given the gate stopped, then it takes no lease any more, even for a lane that was asking as it stopped', async () => {
    const a = gateOf('a');
    let release!: () => void;
    const acquire = store.acquire.bind(store);
    jest.spyOn(store, 'acquire').mockImplementationOnce(async (...args) => {
      await new Promise<void>((resolve) => (release = resolve));
      return acquire(...args);
    });
    a.leave('r1');
    const asking = a.enter('r1');
    // The first ask of a new repo goes straight to the store (nothing held yet).
    await Promise.resolve();
    await a.stop();
    release();

    expect(await asking).toBe(750);
    expect(await store.holderOf('repo:r1')).toBeUndefined();
    expect(await a.enter('r2')).toBe(750);
    expect(await store.holderOf('repo:r2')).toBeUndefined();
    expect(await a.confirm('r3')).toBe(false);
  });

  it('given the store not answering a renewal, then the lease is kept and tried again at the next beat', async () => {
    const a = gateOf('a');
    await a.enter('r1');
    const renew = jest
      .spyOn(store, 'renewMany')
      .mockRejectedValueOnce(new Error('connection refused'));

    await a.renewAll();
    expect(a.holds('r1')).toBe(true);
    await a.renewAll();

    expect(renew).toHaveBeenCalledTimes(2);
    expect(a.holds('r1')).toBe(true);
    expect(logger.warn.mock.calls[0]![0]).toBe(
      'could not renew the leases of 1 repo(s) (r1): Error: connection refused',
    );
  });

  it('given the gate started, then it renews its leases every third of the ttl until it stops', async () => {
    jest.useFakeTimers();
    try {
      const a = gateOf('a');
      await take(a, 'r1');
      const renew = jest.spyOn(store, 'renew');
      a.start();

      await jest.advanceTimersByTimeAsync(TTL / 3 - 1);
      expect(renew).toHaveBeenCalledTimes(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(renew).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(TTL / 3);
      expect(renew).toHaveBeenCalledTimes(2);
      await a.stop();
      await jest.advanceTimersByTimeAsync(TTL);
      expect(renew).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });
});
