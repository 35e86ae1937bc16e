import type { Pool } from 'pg';
import type { Clock } from '../clock/clock';
import type { Lease, LeaseStore } from './lease-store.port';

export interface PostgresLeaseStoreOptions {
  /** The schema holding the lease table; the connection's search path when unset. */
  schema?: string;
  /**
   * Where "now" comes from. Unset (in production), the database's own clock, which every
   * instance shares; a test passes a clock it moves by hand.
   */
  clock?: Clock;
}

interface LeaseRow {
  name: string;
  holder: string;
  token: string;
  expires_at: string;
}

const rowToLease = (row: LeaseRow): Lease => ({
  name: row.name,
  holder: row.holder,
  token: Number(row.token),
  expiresAt: Number(row.expires_at),
});

/** Double quotes an identifier for SQL. */
const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Leases in one PostgreSQL table shared by every instance. Each operation is one statement,
 * so two instances asking at once are ordered by the row's lock: of holders racing for a
 * free or expired lease exactly one gets it. Times are the database's milliseconds.
 */
export class PostgresLeaseStore implements LeaseStore {
  private readonly table: string;

  private constructor(
    private readonly pool: Pool,
    private readonly options: PostgresLeaseStoreOptions,
  ) {
    this.table = options.schema
      ? `${ident(options.schema)}.stackyard_leases`
      : 'stackyard_leases';
  }

  /** Makes the lease table if it is missing. */
  static async open(
    pool: Pool,
    options: PostgresLeaseStoreOptions = {},
  ): Promise<PostgresLeaseStore> {
    const store = new PostgresLeaseStore(pool, options);
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${store.table} (
         name text PRIMARY KEY,
         holder text NOT NULL,
         token bigint NOT NULL,
         expires_at bigint NOT NULL
       )`,
    );
    return store;
  }

  async acquire(
    name: string,
    holder: string,
    ttlMs: number,
  ): Promise<Lease | undefined> {
    const { now, params } = this.now([name, holder, ttlMs]);
    const { rows } = await this.pool.query<LeaseRow>(
      `INSERT INTO ${this.table} AS l (name, holder, token, expires_at)
       VALUES ($1, $2, 1, ${now} + $3)
       ON CONFLICT (name) DO UPDATE SET
         holder = EXCLUDED.holder,
         token = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > ${now}
                      THEN l.token ELSE l.token + 1 END,
         expires_at = EXCLUDED.expires_at
       WHERE l.expires_at <= ${now} OR l.holder = EXCLUDED.holder
       RETURNING name, holder, token, expires_at`,
      params,
    );
    return rows[0] && rowToLease(rows[0]);
  }

  async renew(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    const { now, params } = this.now([
      lease.name,
      lease.holder,
      lease.token,
      ttlMs,
    ]);
    const { rows } = await this.pool.query<LeaseRow>(
      `UPDATE ${this.table} SET expires_at = ${now} + $4
       WHERE name = $1 AND holder = $2 AND token = $3
       RETURNING name, holder, token, expires_at`,
      params,
    );
    return rows[0] && rowToLease(rows[0]);
  }

  async renewMany(
    leases: readonly Lease[],
    ttlMs: number,
  ): Promise<(Lease | undefined)[]> {
    if (leases.length === 0) return [];
    const { now, params } = this.now([
      leases.map((l) => l.name),
      leases.map((l) => l.holder),
      leases.map((l) => l.token),
      ttlMs,
    ]);
    const { rows } = await this.pool.query<LeaseRow>(
      `UPDATE ${this.table} AS t SET expires_at = ${now} + $4
       FROM unnest($1::text[], $2::text[], $3::bigint[]) AS l(name, holder, token)
       WHERE t.name = l.name AND t.holder = l.holder AND t.token = l.token
       RETURNING t.name, t.holder, t.token, t.expires_at`,
      params,
    );
    const renewed = new Map(rows.map((row) => [row.name, rowToLease(row)]));
    return leases.map((lease) => {
      const found = renewed.get(lease.name);
      return found && found.token === lease.token ? found : undefined;
    });
  }

  async release(lease: Lease): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.table} SET expires_at = 0, holder = ''
       WHERE name = $1 AND holder = $2 AND token = $3`,
      [lease.name, lease.holder, lease.token],
    );
  }

  async holderOf(name: string): Promise<Lease | undefined> {
    const { now, params } = this.now([name]);
    const { rows } = await this.pool.query<LeaseRow>(
      `SELECT name, holder, token, expires_at FROM ${this.table}
       WHERE name = $1 AND expires_at > ${now}`,
      params,
    );
    return rows[0] && rowToLease(rows[0]);
  }

  async heldBy(holder: string): Promise<Lease[]> {
    const { now, params } = this.now([holder]);
    const { rows } = await this.pool.query<LeaseRow>(
      `SELECT name, holder, token, expires_at FROM ${this.table}
       WHERE holder = $1 AND expires_at > ${now} ORDER BY name COLLATE "C"`,
      params,
    );
    return rows.map(rowToLease);
  }

  /** The SQL for "now" in ms, and the parameters with it appended when a clock is given. */
  private now(params: unknown[]): { now: string; params: unknown[] } {
    if (!this.options.clock)
      return {
        now: '(extract(epoch from clock_timestamp()) * 1000)::bigint',
        params,
      };
    return {
      now: `$${params.length + 1}::bigint`,
      params: [...params, this.options.clock.now().getTime()],
    };
  }
}
