import { randomBytes } from 'node:crypto';
import { DataSource, type Table } from 'typeorm';
import { InMemoryEventStore } from '../../../src/infrastructure/event-store/in-memory-event-store';
import {
  connectReadModelDataSource,
  dropReadModelTables,
  KEPT_THROUGH_REBUILD,
  openReadModelDataSource,
  READ_MODEL_MIGRATIONS_TABLE,
  readModelTarget,
} from '../../../src/infrastructure/read-model-db/read-model-data-source';
import { upsertRows } from '../../../src/infrastructure/read-model-db/upsert-rows';
import { READ_MODEL_PROJECTORS } from '../../../src/projections/projectors';
import { rebuildReadModels } from '../../../src/projections/rebuild-read-models';
import { JobEntity } from '../../../src/read-models/job/job.entity';
import { READ_MODEL_SCHEMA } from '../../../src/read-models/read-model.schema';
import {
  aRepoActionCompleted,
  aRepoActionRequested,
  aRepoActionStarted,
} from '../../builders/job.builders';
import {
  makeReadModelPlace,
  openTestReadModels,
  type ReadModelPlace,
  type TestReadModels,
  testDatabaseUrl,
} from '../../support/read-model-engines';

/** The tables a data source's entities map to, as the database describes them. */
async function entityTables(ds: DataSource): Promise<Table[]> {
  const runner = ds.createQueryRunner();
  try {
    return await runner.getTables(ds.entityMetadatas.map((m) => m.tablePath));
  } finally {
    await runner.release();
  }
}

/** What must agree between engines: columns, nullability, keys, indexes. */
const shape = (table: Table) => ({
  name: table.name.split('.').at(-1),
  columns: table.columns
    .map((c) => ({
      name: c.name,
      nullable: c.isNullable,
      primary: c.isPrimary,
      // SQLite's integer is 64-bit: bigint on PostgreSQL.
      type: c.type === 'bigint' ? 'integer' : c.type,
    }))
    .sort((a, b) => a.name.localeCompare(b.name)),
});

/**
 * Every index but the primary keys, with its columns in index order (TypeORM reports a
 * PostgreSQL index's columns in table order).
 */
async function indexes(ds: DataSource): Promise<Record<string, string[]>> {
  type Row = { name: string; columns: string[] | string };
  const rows =
    ds.options.type === 'postgres'
      ? await ds.query<Row[]>(
          `SELECT i.relname AS "name", ARRAY(
             SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
             ORDER BY k.n) AS "columns"
           FROM pg_index x
           JOIN pg_class i ON i.oid = x.indexrelid
           JOIN pg_namespace s ON s.oid = i.relnamespace
           WHERE s.nspname = current_schema() AND NOT x.indisprimary`,
        )
      : await ds.query<Row[]>(
          `SELECT m.name AS "name", (
             SELECT json_group_array(c.name) FROM (
               SELECT name FROM pragma_index_info(m.name) ORDER BY seqno) c
           ) AS "columns"
           FROM sqlite_master m WHERE m.type = 'index' AND m.sql IS NOT NULL`,
        );
  return Object.fromEntries(
    rows
      .map((r): [string, string[]] => [
        r.name,
        typeof r.columns === 'string'
          ? (JSON.parse(r.columns) as string[])
          : r.columns,
      ])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

async function schemaOf(place: ReadModelPlace) {
  const ds = await openReadModelDataSource(place.target, READ_MODEL_SCHEMA);
  try {
    const tables = await entityTables(ds);
    return {
      tables: tables.map(shape).sort((a, b) => a.name!.localeCompare(b.name!)),
      indexes: await indexes(ds),
      entityIndexes: Object.fromEntries(
        ds.entityMetadatas.flatMap((m) =>
          m.indices.map((i) => [i.name, i.columns.map((c) => c.databaseName)]),
        ),
      ),
      entities: ds.entityMetadatas.map((m) => ({
        table: m.tableName,
        columns: m.columns.map((c) => ({
          name: c.databaseName,
          nullable: c.isNullable,
          primary: c.isPrimary,
        })),
      })),
    };
  } finally {
    await ds.destroy();
  }
}

/** A PostgreSQL schema of the test's own, dropped after it. */
async function withPlace<T>(
  work: (place: ReadModelPlace) => Promise<T>,
): Promise<T> {
  const place = await makeReadModelPlace('postgres');
  try {
    return await work(place);
  } finally {
    await place.remove();
  }
}

describe('read-model database on PostgreSQL', () => {
  it('has the tables, columns, keys and indexes the SQLite migrations make, and the entities map onto both', async () => {
    const sqlite = await makeReadModelPlace('sqlite');
    try {
      const onSqlite = await schemaOf(sqlite);
      const onPostgres = await withPlace(schemaOf);

      expect(onPostgres.tables).toEqual(onSqlite.tables);
      expect(onPostgres.indexes).toEqual(onSqlite.indexes);
      expect(onSqlite.indexes).toEqual(
        expect.objectContaining(onSqlite.entityIndexes),
      );
      expect(onPostgres.tables.map((t) => t.name)).toEqual(
        onSqlite.entities.map((e) => e.table).sort(),
      );
      for (const entity of onSqlite.entities) {
        const table = onPostgres.tables.find((t) => t.name === entity.table)!;
        for (const column of entity.columns)
          expect(table.columns).toContainEqual(expect.objectContaining(column));
      }
    } finally {
      await sqlite.remove();
    }
  });

  it('makes a missing schema, keeps its tables and migration record there, and migrates once', async () => {
    const schema = `read_models_new_${randomBytes(6).toString('hex')}`;
    const target = readModelTarget(testDatabaseUrl(), { schema });
    const admin = new DataSource({ type: 'postgres', url: testDatabaseUrl() });
    await admin.initialize();
    try {
      const first = await openReadModelDataSource(target, READ_MODEL_SCHEMA);
      await first.destroy();
      const again = await openReadModelDataSource(target, READ_MODEL_SCHEMA);
      expect(await again.showMigrations()).toBe(false);
      await again.destroy();

      const tables = await admin.query<Array<{ name: string }>>(
        `SELECT table_name AS "name"
           FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
        [schema],
      );
      expect(tables.map((t) => t.name)).toEqual(
        [
          'follower_checkpoints',
          'history',
          'jobs',
          'projection_checkpoints',
          READ_MODEL_MIGRATIONS_TABLE.postgres,
          'repos',
          'subscription_cursors',
          'subscription_deliveries',
          'subscriptions',
          'tasks',
        ].sort(),
      );
      const applied = await admin.query<Array<{ name: string }>>(
        `SELECT name FROM "${schema}"."${READ_MODEL_MIGRATIONS_TABLE.postgres}"`,
      );
      // The present schema in one migration, and since: the follower checkpoints, undo on
      // the jobs, the history's actor and job index, the repos' webhook columns, the
      // subscriptions with their delivery tables, the jobs' unused idempotency index gone.
      expect(applied).toHaveLength(7);
      const jobIndexes = await admin.query<Array<{ indexname: string }>>(
        `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'jobs'`,
        [schema],
      );
      expect(jobIndexes.map((i) => i.indexname).sort()).toEqual([
        'jobs_pkey',
        'jobs_repo_requested',
        'jobs_repo_status',
      ]);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.destroy();
    }
  });

  it('takes a postgres:// URL as PostgreSQL and anything else as a SQLite file, and only plain schema names', () => {
    expect(readModelTarget('postgres://u@h/db', { schema: 'rm' })).toEqual({
      engine: 'postgres',
      url: 'postgres://u@h/db',
      schema: 'rm',
    });
    expect(readModelTarget('postgresql://u@h/db')).toEqual({
      engine: 'postgres',
      url: 'postgresql://u@h/db',
    });
    expect(readModelTarget('data/read-models.sqlite')).toEqual({
      engine: 'sqlite',
      file: 'data/read-models.sqlite',
    });
    expect(() =>
      readModelTarget('data/read-models.sqlite', { schema: 'rm' }),
    ).toThrow('only be named on PostgreSQL');
    return expect(
      openReadModelDataSource(
        readModelTarget(testDatabaseUrl(), { schema: 'Read Models"; --' }),
        READ_MODEL_SCHEMA,
      ),
    ).rejects.toThrow('is not a lower-case identifier');
  });

  describe('sharing a schema with other tables', () => {
    let db: TestReadModels;

    beforeEach(async () => {
      db = await openTestReadModels('postgres');
      await db.ds.query(
        `CREATE TABLE "events" ("global_position" bigint PRIMARY KEY, "type" text NOT NULL)`,
      );
      await db.ds.query(
        `INSERT INTO "events" VALUES (1, 'Kept'), (2, 'Kept too')`,
      );
    });

    afterEach(async () => {
      await db.close();
    });

    const otherRows = () =>
      db.ds.query<Array<{ type: string }>>(
        `SELECT "type" FROM "events" ORDER BY 1`,
      );

    it('drops the read models’ own tables and nothing else, keeping the delivery cursors and attempts', async () => {
      await db.ds.query(
        `INSERT INTO "subscription_cursors" VALUES ('sub-1', 7, NULL, 'now')`,
      );
      await dropReadModelTables(db.ds);

      const left = await db.ds.query<Array<{ tablename: string }>>(
        `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`,
      );
      expect(left.map((t) => t.tablename)).toEqual([
        'events',
        ...KEPT_THROUGH_REBUILD,
      ]);
      // Migrating again makes the read models and leaves the kept tables' rows.
      await db.ds.runMigrations();
      expect(
        await db.ds.query(
          `SELECT "subscriptionId", "position"::int AS "position" FROM "subscription_cursors"`,
        ),
      ).toEqual([{ subscriptionId: 'sub-1', position: 7 }]);
      expect(await otherRows()).toEqual([
        { type: 'Kept' },
        { type: 'Kept too' },
      ]);
    });

    it('rebuilds the read models where it is told to open them, leaving the other tables', async () => {
      const store = new InMemoryEventStore();
      await store.appendToStream(
        'repo-action-job-1',
        [aRepoActionRequested(), aRepoActionStarted(), aRepoActionCompleted()],
        { expectedVersion: 'no_stream' },
      );

      const { position } = await rebuildReadModels(
        store,
        { target: db.place.target, schema: READ_MODEL_SCHEMA },
        READ_MODEL_PROJECTORS,
      );

      expect(position).toBe(3);
      const jobs = await db.ds.manager.find(JobEntity);
      expect(jobs.map((j) => [j.jobId, j.status, j.position])).toEqual([
        ['job-1', 'completed', 3],
      ]);
      expect(await otherRows()).toHaveLength(2);
    });

    it('connects without migrating, so a rebuild can start from any state', async () => {
      await dropReadModelTables(db.ds);
      const ds = await connectReadModelDataSource(
        db.place.target,
        READ_MODEL_SCHEMA,
      );
      try {
        expect(await ds.showMigrations()).toBe(true);
      } finally {
        await ds.destroy();
      }
    });

    it('upserts text holding U+0000, which PostgreSQL text cannot hold, with U+FFFD in its place', async () => {
      await db.ds.query(
        `CREATE TABLE "notes" ("id" text PRIMARY KEY, "body" text)`,
      );

      await db.ds.transaction((tx) =>
        upsertRows<{ id: string; body: string }>(
          tx,
          { table: 'notes', columns: ['id', 'body'], keyColumns: 1 },
          [{ id: 'n1', body: 'before\u0000after' }],
        ),
      );

      expect(await db.ds.query(`SELECT "body" FROM "notes"`)).toEqual([
        { body: 'before\uFFFDafter' },
      ]);
    });
  });
});
