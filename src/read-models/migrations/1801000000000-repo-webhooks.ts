import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inbound webhooks on the repo overview: whether the repo has a webhook secret (never the
 * secret), its `autoRestack` setting and the last delivery it received. Rows projected before
 * this migration read as without secret, setting or delivery until `npm run
 * rebuild-read-models` refolds them (no repo had any then). Listed for both engines: it
 * branches on the engine for the text type and the table's schema.
 */
export class RepoWebhooks1801000000000 implements MigrationInterface {
  name = 'RepoWebhooks1801000000000';

  async up(q: QueryRunner): Promise<void> {
    const postgres = q.connection.options.type === 'postgres';
    const repos = reposTable(q);
    const text = postgres ? 'text COLLATE "C"' : 'text';
    await q.query(
      `ALTER TABLE ${repos} ADD COLUMN "webhookSecretSet" boolean NOT NULL DEFAULT false`,
    );
    await q.query(
      `ALTER TABLE ${repos} ADD COLUMN "autoRestack" boolean NOT NULL DEFAULT false`,
    );
    await q.query(`ALTER TABLE ${repos} ADD COLUMN "lastWebhook" ${text}`);
  }

  async down(q: QueryRunner): Promise<void> {
    const repos = reposTable(q);
    await q.query(`ALTER TABLE ${repos} DROP COLUMN "lastWebhook"`);
    await q.query(`ALTER TABLE ${repos} DROP COLUMN "autoRestack"`);
    await q.query(`ALTER TABLE ${repos} DROP COLUMN "webhookSecretSet"`);
  }
}

/** The repos table of the data source's schema, named in full on PostgreSQL. */
function reposTable(q: QueryRunner): string {
  const { schema } = q.connection.driver;
  return q.connection.options.type === 'postgres' && schema !== undefined
    ? `"${schema}"."repos"`
    : '"repos"';
}
