import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Tasks1764200000000 implements MigrationInterface {
  name = 'Tasks1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "tasks" (
      "taskId" text PRIMARY KEY NOT NULL,
      "orgId" text NOT NULL,
      "repoId" text NOT NULL,
      "title" text NOT NULL,
      "branchName" text NOT NULL,
      "parentBranch" text,
      "idempotencyKey" text,
      "status" text NOT NULL,
      "jobId" text,
      "headSha" text,
      "parent" text,
      "error" text,
      "createdAt" text NOT NULL,
      "updatedAt" text NOT NULL,
      "position" integer NOT NULL)`);
    await q.query(
      `CREATE INDEX "tasks_repo_created" ON "tasks" ("repoId", "createdAt")`,
    );
    // The overview shows each branch's task; a job shows the task it attaches.
    await q.query(
      `ALTER TABLE "repos" ADD COLUMN "tasks" text NOT NULL DEFAULT '{}'`,
    );
    await q.query(`ALTER TABLE "jobs" ADD COLUMN "taskId" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "jobs" DROP COLUMN "taskId"`);
    await q.query(`ALTER TABLE "repos" DROP COLUMN "tasks"`);
    await q.query(`DROP TABLE "tasks"`);
  }
}
