import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PostgresLeaseStore } from '../../../src/infrastructure/leases/postgres-lease-store';
import { leaseStoreContract } from './lease-store.contract';

const URL =
  process.env.STACKYARD_TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

/** Each test gets a schema of its own, dropped after it. */
leaseStoreContract('PostgreSQL', () => {
  const pool = new Pool({ connectionString: URL, max: 8 });
  const schema = `leases_${randomUUID().replace(/-/g, '')}`;
  return {
    async create(clock) {
      await pool.query(`CREATE SCHEMA ${schema}`);
      return PostgresLeaseStore.open(pool, { schema, clock });
    },
    async dispose() {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
  };
});

describe('PostgresLeaseStore on the database clock', () => {
  const pool = new Pool({ connectionString: URL, max: 4 });
  const schema = `leases_${randomUUID().replace(/-/g, '')}`;

  beforeAll(() => pool.query(`CREATE SCHEMA ${schema}`));
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it("measures a lease's expiry from the database's now, not the instance's", async () => {
    const leases = await PostgresLeaseStore.open(pool, { schema });
    const before = Number(
      (
        await pool.query<{ ms: string }>(
          'SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS ms',
        )
      ).rows[0]!.ms,
    );

    const lease = (await leases.acquire('repo:r1', 'a', 60_000))!;
    const after = Number(
      (
        await pool.query<{ ms: string }>(
          'SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS ms',
        )
      ).rows[0]!.ms,
    );

    expect(lease.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(lease.expiresAt).toBeLessThanOrEqual(after + 60_000);
    expect(await leases.acquire('repo:r1', 'b', 60_000)).toBeUndefined();
    expect(await leases.holderOf('repo:r1')).toEqual(lease);
  });
});
