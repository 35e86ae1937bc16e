import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Text compares and sorts byte by byte on SQLite (its BINARY collation, which for UTF-8 is
 * code point order). A PostgreSQL database's own collation (en_US, say) would order 'B'
 * after 'a' and skip punctuation: job pages, cursors and repo lists would come out in
 * another order. Every text column is "C", which is byte order, as on SQLite.
 */
const TEXT = 'text COLLATE "C"';

/** A table of the data source's schema, named in full: the search path need not lead to it. */
const tableIn =
  (q: QueryRunner) =>
  (table: string): string => {
    const { schema } = q.connection.driver;
    return schema === undefined ? `"${table}"` : `"${schema}"."${table}"`;
  };

/**
 * The read models on PostgreSQL as SQLite has them after its migrations up to
 * Tasks1764200000000: the same tables, columns, keys and indexes. Global positions are
 * bigint (SQLite's integer is 64-bit too); JSON is kept as text, as on SQLite, so a row
 * reads back the same on both engines.
 */
export class PostgresReadModels1796000000000 implements MigrationInterface {
  name = 'PostgresReadModels1796000000000';

  async up(q: QueryRunner): Promise<void> {
    const t = tableIn(q);
    await q.query(`CREATE TABLE ${t('projection_checkpoints')} (
      "name" ${TEXT} PRIMARY KEY NOT NULL,
      "position" bigint NOT NULL,
      "updatedAt" ${TEXT} NOT NULL)`);
    await q.query(`CREATE TABLE ${t('jobs')} (
      "jobId" ${TEXT} PRIMARY KEY NOT NULL,
      "orgId" ${TEXT} NOT NULL,
      "repoId" ${TEXT} NOT NULL,
      "action" ${TEXT} NOT NULL,
      "branchName" ${TEXT},
      "parentBranch" ${TEXT},
      "idempotencyKey" ${TEXT},
      "status" ${TEXT} NOT NULL,
      "step" ${TEXT},
      "message" ${TEXT},
      "progressDone" integer,
      "progressTotal" integer,
      "attempt" integer NOT NULL,
      "cancelRequested" boolean NOT NULL,
      "requestedAt" ${TEXT} NOT NULL,
      "startedAt" ${TEXT},
      "finishedAt" ${TEXT},
      "updatedAt" ${TEXT} NOT NULL,
      "result" ${TEXT},
      "error" ${TEXT},
      "position" bigint NOT NULL,
      "taskId" ${TEXT})`);
    await q.query(
      `CREATE INDEX "jobs_repo_requested" ON ${t('jobs')} ("repoId", "requestedAt")`,
    );
    await q.query(
      `CREATE INDEX "jobs_idempotency" ON ${t('jobs')} ("orgId", "repoId", "idempotencyKey")`,
    );
    // Job lists page newest first by request position within a repo and status.
    await q.query(
      `CREATE INDEX "jobs_repo_status" ON ${t('jobs')} ("repoId", "status", "requestedAt")`,
    );
    await q.query(`CREATE TABLE ${t('repos')} (
      "repoId" ${TEXT} PRIMARY KEY NOT NULL,
      "orgId" ${TEXT} NOT NULL,
      "name" ${TEXT} NOT NULL,
      "remoteUrl" ${TEXT} NOT NULL,
      "trunk" ${TEXT} NOT NULL,
      "trunkSha" ${TEXT},
      "updatedAt" ${TEXT} NOT NULL,
      "lastJobId" ${TEXT},
      "branches" ${TEXT} NOT NULL,
      "remoteBranches" ${TEXT} NOT NULL,
      "position" bigint NOT NULL,
      "tasks" ${TEXT} NOT NULL DEFAULT '{}')`);
    await q.query(
      `CREATE INDEX "repos_org_name" ON ${t('repos')} ("orgId", "name")`,
    );
    await q.query(`CREATE TABLE ${t('history')} (
      "position" bigint PRIMARY KEY NOT NULL,
      "orgId" ${TEXT} NOT NULL,
      "repoId" ${TEXT} NOT NULL,
      "jobId" ${TEXT},
      "type" ${TEXT} NOT NULL,
      "at" ${TEXT} NOT NULL,
      "data" ${TEXT} NOT NULL)`);
    await q.query(
      `CREATE INDEX "history_repo_position" ON ${t('history')} ("repoId", "position")`,
    );
    await q.query(`CREATE TABLE ${t('tasks')} (
      "taskId" ${TEXT} PRIMARY KEY NOT NULL,
      "orgId" ${TEXT} NOT NULL,
      "repoId" ${TEXT} NOT NULL,
      "title" ${TEXT} NOT NULL,
      "branchName" ${TEXT} NOT NULL,
      "parentBranch" ${TEXT},
      "idempotencyKey" ${TEXT},
      "status" ${TEXT} NOT NULL,
      "jobId" ${TEXT},
      "headSha" ${TEXT},
      "parent" ${TEXT},
      "error" ${TEXT},
      "createdAt" ${TEXT} NOT NULL,
      "updatedAt" ${TEXT} NOT NULL,
      "position" bigint NOT NULL)`);
    await q.query(
      `CREATE INDEX "tasks_repo_created" ON ${t('tasks')} ("repoId", "createdAt")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    const t = tableIn(q);
    await q.query(`DROP TABLE ${t('tasks')}`);
    await q.query(`DROP TABLE ${t('history')}`);
    await q.query(`DROP TABLE ${t('repos')}`);
    await q.query(`DROP TABLE ${t('jobs')}`);
    await q.query(`DROP TABLE ${t('projection_checkpoints')}`);
  }
}
