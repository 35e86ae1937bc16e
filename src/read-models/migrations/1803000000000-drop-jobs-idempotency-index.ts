import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops `jobs_idempotency` (org, repo, idempotency key): no query reads jobs by their key
 * (a key's job id is derived from it, and a retry finds its job by that id in the store),
 * and every job the projection writes paid for the index. Its column stays. Listed for
 * both engines: it branches on the engine for the index's schema.
 */
export class DropJobsIdempotencyIndex1803000000000 implements MigrationInterface {
  name = 'DropJobsIdempotencyIndex1803000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ${index(q)}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX ${index(q)} ON ${table(q, 'jobs')} ("orgId", "repoId", "idempotencyKey")`,
    );
  }
}

/** The index, named in full on PostgreSQL (an index lives in its table's schema). */
function index(q: QueryRunner): string {
  const { schema } = q.connection.driver;
  return q.connection.options.type === 'postgres' && schema !== undefined
    ? `"${schema}"."jobs_idempotency"`
    : '"jobs_idempotency"';
}

/** A table of the data source's schema, named in full on PostgreSQL. */
function table(q: QueryRunner, name: string): string {
  const { schema } = q.connection.driver;
  return q.connection.options.type === 'postgres' && schema !== undefined
    ? `"${schema}"."${name}"`
    : `"${name}"`;
}
