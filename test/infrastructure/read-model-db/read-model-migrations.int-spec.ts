import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openReadModelDataSource } from '../../../src/infrastructure/read-model-db/read-model-data-source';
import { DropJobsIdempotencyIndex1803000000000 } from '../../../src/read-models/migrations/1803000000000-drop-jobs-idempotency-index';
import { READ_MODEL_SCHEMA } from '../../../src/read-models/read-model.schema';

describe('read-model migrations on a SQLite file', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-read-model-migrations-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("drops the jobs' unused idempotency index from a file made before, keeping its jobs", async () => {
    const file = join(dir, 'read-models.sqlite');
    const all = READ_MODEL_SCHEMA.migrations.sqlite;
    if (!Array.isArray(all)) throw new Error('the migrations are a list');
    // Every migration before this one: a file as the service left it until now.
    const upTo = all.indexOf(DropJobsIdempotencyIndex1803000000000);
    expect(upTo).toBeGreaterThan(0);
    const before = {
      ...READ_MODEL_SCHEMA,
      migrations: {
        ...READ_MODEL_SCHEMA.migrations,
        sqlite: all.slice(0, upTo),
      },
    };
    const jobIndexes = async (
      ds: Awaited<ReturnType<typeof openReadModelDataSource>>,
    ) =>
      (
        await ds.query<Array<{ name: string }>>(
          `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND sql IS NOT NULL ORDER BY name`,
        )
      ).map((i) => i.name);

    const old = await openReadModelDataSource(file, before);
    expect(await jobIndexes(old)).toContain('jobs_idempotency');
    await old.query(
      `INSERT INTO jobs ("jobId", "orgId", "repoId", "action", "status", "attempt", "cancelRequested", "requestedAt", "updatedAt", "position")
       VALUES ('job-1', 'org', 'repo', 'sync_repo', 'queued', 0, 0, 't', 't', 1)`,
    );
    await old.destroy();

    const now = await openReadModelDataSource(file, READ_MODEL_SCHEMA);
    try {
      expect(await jobIndexes(now)).toEqual([
        'jobs_repo_requested',
        'jobs_repo_status',
      ]);
      expect(
        await now.query<Array<{ jobId: string }>>('SELECT "jobId" FROM jobs'),
      ).toEqual([{ jobId: 'job-1' }]);
    } finally {
      await now.destroy();
    }
  });
});
