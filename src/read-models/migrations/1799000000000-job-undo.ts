import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Undo on the job resource: the job an undo puts back (`undoOf`) and whether a completed job
 * recorded a change an undo could put back (`undoable`). Jobs projected before this migration
 * read as not undoable until `npm run rebuild-read-models` refolds them; the undo request
 * itself decides from the event history, not from this column. Listed for both engines.
 */
export class JobUndo1799000000000 implements MigrationInterface {
  name = 'JobUndo1799000000000';

  async up(q: QueryRunner): Promise<void> {
    const postgres = q.connection.options.type === 'postgres';
    const jobs = jobsTable(q);
    const text = postgres ? 'text COLLATE "C"' : 'text';
    await q.query(`ALTER TABLE ${jobs} ADD COLUMN "undoOf" ${text}`);
    await q.query(
      `ALTER TABLE ${jobs} ADD COLUMN "undoable" boolean NOT NULL DEFAULT false`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const jobs = jobsTable(q);
    await q.query(`ALTER TABLE ${jobs} DROP COLUMN "undoable"`);
    await q.query(`ALTER TABLE ${jobs} DROP COLUMN "undoOf"`);
  }
}

/** The jobs table of the data source's schema, named in full on PostgreSQL. */
function jobsTable(q: QueryRunner): string {
  const { schema } = q.connection.driver;
  return q.connection.options.type === 'postgres' && schema !== undefined
    ? `"${schema}"."jobs"`
    : '"jobs"';
}
