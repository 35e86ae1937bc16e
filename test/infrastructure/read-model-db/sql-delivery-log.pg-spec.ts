import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PostgresLeaseStore } from '../../../src/infrastructure/leases/postgres-lease-store';
import { SubscriptionLeases } from '../../../src/sagas/webhooks/subscription-leases';
import { testDatabaseUrl } from '../../support/read-model-engines';
import { deliveryLogContract } from './sql-delivery-log.contract';

deliveryLogContract('postgres');

describe('subscription leases on PostgreSQL', () => {
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 4 });
  const schema = `leases_${randomUUID().replace(/-/g, '')}`;
  const running: SubscriptionLeases[] = [];

  beforeAll(() => pool.query(`CREATE SCHEMA ${schema}`));
  afterAll(async () => {
    for (const l of running) await l.stop();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  /** An instance's leases; resolves `took(id)` when it takes a subscription. */
  async function instance(holder: string) {
    const store = await PostgresLeaseStore.open(pool, { schema });
    const changes: string[] = [];
    let wake: () => void = () => undefined;
    const leases = new SubscriptionLeases(store, {
      holder,
      ttlMs: 1_000,
      changed: (id) => {
        changes.push(id);
        wake();
      },
      logger: { warn: () => undefined },
    });
    running.push(leases);
    const took = async (id: string) => {
      while (!leases.holds(id)) await new Promise<void>((r) => (wake = r));
    };
    return { leases, took, changes };
  }

  it('gives a subscription to one instance at a time, and to another once the first gives it up', async () => {
    const a = await instance('a');
    const b = await instance('b');
    a.leases.want('sub-1');
    await a.took('sub-1');
    a.leases.start();
    b.leases.start();
    b.leases.want('sub-1');
    // b asks at each beat and is refused while a renews.
    const held = await pool.query<{ holder: string }>(
      `SELECT holder FROM ${schema}.stackyard_leases WHERE name = 'subscription:sub-1'`,
    );
    expect(held.rows.map((r) => r.holder)).toEqual(['a']);
    expect(b.leases.holds('sub-1')).toBe(false);
    await a.leases.stop();
    await b.took('sub-1');
    expect(b.leases.holds('sub-1')).toBe(true);
  });
});
