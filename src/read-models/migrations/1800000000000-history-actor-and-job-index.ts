import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a job's page reads from the history: its events by job (`GET /jobs/:jobId/events`),
 * through an index on the job and position as the repo's timeline has one on the repo, and
 * who caused each event (`actor`, from its metadata). Rows projected before this migration
 * keep a null actor; `npm run rebuild-read-models` fills them from the store. Listed for both
 * engines: it branches on the engine for the column's type and the table's schema.
 */
export class HistoryActorAndJobIndex1800000000000 implements MigrationInterface {
  name = 'HistoryActorAndJobIndex1800000000000';

  async up(q: QueryRunner): Promise<void> {
    const postgres = q.connection.options.type === 'postgres';
    const history = table(q, 'history');
    // Byte-order text on PostgreSQL, as every other read-model column.
    const text = postgres ? 'text COLLATE "C"' : 'text';
    await q.query(`ALTER TABLE ${history} ADD COLUMN "actor" ${text}`);
    await q.query(
      `CREATE INDEX "history_job_position" ON ${history} ("jobId", "position")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const postgres = q.connection.options.type === 'postgres';
    const { schema } = q.connection.driver;
    const index =
      postgres && schema !== undefined
        ? `"${schema}"."history_job_position"`
        : '"history_job_position"';
    await q.query(`DROP INDEX ${index}`);
    await q.query(`ALTER TABLE ${table(q, 'history')} DROP COLUMN "actor"`);
  }
}

/** A table of the data source's schema, named in full on PostgreSQL. */
function table(q: QueryRunner, name: string): string {
  const { schema } = q.connection.driver;
  return q.connection.options.type === 'postgres' && schema !== undefined
    ? `"${schema}"."${name}"`
    : `"${name}"`;
}
