import type { Clock } from '../../../src/infrastructure/clock/clock';
import type { LeaseStore } from '../../../src/infrastructure/leases/lease-store.port';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  private ms = Date.parse('2026-01-01T00:00:00.000Z');
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** How the contract suite gets stores of one adapter, on a clock the test moves. */
export interface LeaseStoreHarness {
  /** A store with no leases; two calls may share storage (`shared`: two instances). */
  create(clock: Clock): Promise<LeaseStore>;
  dispose(): Promise<void>;
}

const TTL = 10_000;

/** The behaviour every LeaseStore adapter must have. */
export function leaseStoreContract(
  adapterName: string,
  makeHarness: () => LeaseStoreHarness,
): void {
  describe(`LeaseStore contract: ${adapterName}`, () => {
    let harness: LeaseStoreHarness;
    let clock: ManualClock;
    let leases: LeaseStore;

    beforeEach(async () => {
      harness = makeHarness();
      clock = new ManualClock();
      leases = await harness.create(clock);
    });

    afterEach(() => harness.dispose());

    it('given a free name, when a holder acquires it, then it holds it until the ttl from now, with a first token', async () => {
      const lease = await leases.acquire('repo:r1', 'a', TTL);

      expect(lease).toEqual({
        name: 'repo:r1',
        holder: 'a',
        token: 1,
        expiresAt: clock.now().getTime() + TTL,
      });
      expect(await leases.holderOf('repo:r1')).toEqual(lease);
      expect(await leases.heldBy('a')).toEqual([lease]);
    });

    it('given a lease held, when another holder asks for it before it expires, then it is refused and the lease is unchanged', async () => {
      const held = await leases.acquire('repo:r1', 'a', TTL);
      clock.advance(TTL - 1);

      expect(await leases.acquire('repo:r1', 'b', TTL)).toBeUndefined();
      expect(await leases.holderOf('repo:r1')).toEqual(held);
      expect(await leases.heldBy('b')).toEqual([]);
    });

    it('given a lease held, when its holder acquires it again, then it is extended with the same token', async () => {
      const held = (await leases.acquire('repo:r1', 'a', TTL))!;
      clock.advance(1_000);

      const again = await leases.acquire('repo:r1', 'a', TTL);

      expect(again).toEqual({
        ...held,
        expiresAt: clock.now().getTime() + TTL,
      });
    });

    it('given a lease expired, when another holder acquires it, then it takes it over with a greater token, and the old holder can no longer renew or release it', async () => {
      const old = (await leases.acquire('repo:r1', 'a', TTL))!;
      clock.advance(TTL);

      expect(await leases.holderOf('repo:r1')).toBeUndefined();
      const taken = (await leases.acquire('repo:r1', 'b', TTL))!;

      expect(taken).toMatchObject({ holder: 'b', token: old.token + 1 });
      expect(await leases.renew(old, TTL)).toBeUndefined();
      await leases.release(old);
      expect(await leases.holderOf('repo:r1')).toEqual(taken);
      expect(await leases.heldBy('a')).toEqual([]);
    });

    it("given a lease held, when its holder renews it in time, then it lasts the ttl from the renewal; renewed late, it is still its holder's while no one took it, and lost once another did", async () => {
      const held = (await leases.acquire('repo:r1', 'a', TTL))!;
      clock.advance(TTL - 1);

      const renewed = (await leases.renew(held, TTL))!;
      expect(renewed).toEqual({
        ...held,
        expiresAt: clock.now().getTime() + TTL,
      });
      clock.advance(TTL);
      expect(await leases.holderOf('repo:r1')).toBeUndefined();
      const late = (await leases.renew(renewed, TTL))!;
      expect(late).toEqual({
        ...held,
        expiresAt: clock.now().getTime() + TTL,
      });
      expect(await leases.holderOf('repo:r1')).toEqual(late);

      clock.advance(TTL);
      const taken = (await leases.acquire('repo:r1', 'b', TTL))!;
      expect(await leases.renew(late, TTL)).toBeUndefined();
      expect(await leases.renewMany([late], TTL)).toEqual([undefined]);
      expect(await leases.holderOf('repo:r1')).toEqual(taken);
    });

    it('given a lease released, then a renewal that comes after fails and the lease stays free', async () => {
      const held = (await leases.acquire('repo:r1', 'a', TTL))!;
      await leases.release(held);

      expect(await leases.renew(held, TTL)).toBeUndefined();
      expect(await leases.renewMany([held], TTL)).toEqual([undefined]);
      expect(await leases.holderOf('repo:r1')).toBeUndefined();
      expect(await leases.heldBy('a')).toEqual([]);
    });

    it('given several leases held, when their holder renews them together, then the ones still held last the ttl from the renewal and the lost ones answer undefined, in order', async () => {
      const first = (await leases.acquire('repo:r1', 'a', TTL))!;
      const lost = (await leases.acquire('repo:r2', 'a', TTL / 2))!;
      const third = (await leases.acquire('repo:r3', 'a', TTL))!;
      clock.advance(TTL / 2);
      // r2 expired and another holder took it; r1 and r3 are renewed just in time below.
      const taken = (await leases.acquire('repo:r2', 'b', TTL))!;
      expect(taken.holder).toBe('b');
      clock.advance(TTL / 2 - 1);
      const renewed = await leases.renewMany([third, lost, first], TTL);
      expect(renewed).toEqual([
        { ...third, expiresAt: clock.now().getTime() + TTL },
        undefined,
        { ...first, expiresAt: clock.now().getTime() + TTL },
      ]);
      expect(await leases.holderOf('repo:r2')).toEqual(taken);
      expect(await leases.renewMany([], TTL)).toEqual([]);
    });

    it('given a lease released, when another holder asks, then it gets it at once with a greater token', async () => {
      const held = (await leases.acquire('repo:r1', 'a', TTL))!;

      await leases.release(held);

      expect(await leases.holderOf('repo:r1')).toBeUndefined();
      expect(await leases.acquire('repo:r1', 'b', TTL)).toMatchObject({
        holder: 'b',
        token: held.token + 1,
      });
    });

    it('given many holders racing for one free name, then exactly one gets it', async () => {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          leases.acquire('projections', `h${i}`, TTL),
        ),
      );

      const winners = answers.filter((a) => a !== undefined);
      expect(winners).toHaveLength(1);
      expect(await leases.holderOf('projections')).toEqual(winners[0]);
    });

    it('lists only the unexpired leases of a holder, by name', async () => {
      await leases.acquire('repo:r2', 'a', TTL);
      await leases.acquire('repo:r1', 'a', TTL * 2);
      await leases.acquire('repo:r3', 'b', TTL);
      clock.advance(TTL);

      expect((await leases.heldBy('a')).map((l) => l.name)).toEqual([
        'repo:r1',
      ]);
    });
  });
}
