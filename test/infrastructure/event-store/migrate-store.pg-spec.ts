import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { escapeIdentifier } from 'pg';
import { ConcurrencyError } from '../../../src/infrastructure/event-store/event-store.errors';
import type {
  EventToAppend,
  RecordedEvent,
} from '../../../src/infrastructure/event-store/event-store.port';
import {
  MigrationRefusedError,
  migrateSqliteToPostgres,
} from '../../../src/infrastructure/event-store/migrate-sqlite-to-postgres';
import { PostgresEventStore } from '../../../src/infrastructure/event-store/postgres-event-store';
import { SqliteEventStore } from '../../../src/infrastructure/event-store/sqlite-event-store';
import { openReadModelDataSource } from '../../../src/infrastructure/read-model-db/read-model-data-source';
import { SqlDeliveryLog } from '../../../src/infrastructure/read-model-db/sql-delivery-log';
import { READ_MODELS_FILE } from '../../../src/infrastructure/storage/storage';
import { READ_MODEL_SCHEMA } from '../../../src/read-models/read-model.schema';
import {
  aRepoActionProgressed,
  aRepoActionRequested,
  aRepoActionStarted,
  aStepStarted,
} from '../../builders/job.builders';
import { aBranchTracked, aRepoRegistered } from '../../builders/repo.builders';
import { aTaskCreated } from '../../builders/task.builders';
import {
  createTestSchema,
  testDatabaseUrl,
  withAdmin,
  type TestSchema,
} from '../../support/pg-schema';

const CLI = join(
  __dirname,
  '..',
  '..',
  '..',
  'dist',
  'src',
  'migrate-store.js',
);

/** A stream whose name, like its events, holds what text escaping gets wrong. */
const ODD_STREAM = `odd-ünïcødé-'quoted'-"double"-\\back\\-✓`;
const BIG = 'x'.repeat(1_500_000);

/**
 * A history of several streams as the service writes it (repo, job and task events with
 * their metadata), interleaved with events that carry odd text: unicode beyond the BMP,
 * quotes, backslashes, line breaks, an escaped NUL, key order that JSON keeps, a big
 * payload, and event ids and types of their own.
 */
async function writeHistory(file: string): Promise<void> {
  const store = SqliteEventStore.open(file);
  const meta = (extra: Record<string, string> = {}) => ({
    correlationId: 'req-1',
    actor: 'org:org-1',
    at: '2024-05-01T10:00:00.000Z',
    orgId: 'org-1',
    repoId: 'repo-1',
    ...extra,
  });
  const append = (stream: string, events: EventToAppend[]): Promise<unknown> =>
    store.appendToStream(stream, events, { expectedVersion: 'any' });
  try {
    await append('repo-repo-1', [{ ...aRepoRegistered(), metadata: meta() }]);
    await append(ODD_STREAM, [
      {
        eventId: `id-'"\\-é-1`,
        type: `Odd “type” ✓`,
        data: {
          z: 1,
          a: 2,
          text: `emoji 🦄 𝄞, quotes ' " \`, backslash \\ \\\\, line\nbreak\ttab \u2028`,
          nul: 'before\u0000after',
          nested: [{ b: null, a: [1.5, -2, 1e21, true] }],
        },
        metadata: meta({ correlationId: 'корреляция-🦄' }),
      },
    ]);
    await append('repo-action-job-1', [
      {
        ...aRepoActionRequested(),
        metadata: meta({ jobId: 'job-1' }),
      },
    ]);
    await append('repo-repo-1', [
      { ...aBranchTracked(), metadata: meta({ jobId: 'job-1' }) },
      {
        ...aBranchTracked({ branch: 'feature-b', parent: 'feature-a' }),
        metadata: meta({ jobId: 'job-1' }),
      },
    ]);
    await append('task-task-1', [
      { ...aTaskCreated(), metadata: meta({ actor: 'org:org-1 "ü"' }) },
    ]);
    await append(ODD_STREAM, [
      { type: 'Big', data: { payload: BIG }, metadata: {} },
      { type: 'Empty', data: {} },
    ]);
    for (let i = 0; i < 3; i++) {
      await append('repo-action-job-1', [
        {
          ...(i === 0 ? aRepoActionStarted() : aStepStarted()),
          metadata: meta({ jobId: 'job-1', causationId: `c-${i}` }),
        },
      ]);
      await append(`other-${i}`, [{ type: 'Other', data: { i, s: `'${i}'` } }]);
    }
    // Several appends in one turn: one group commit, as under load.
    await Promise.all(
      [1, 2, 3, 4, 5].map((done) =>
        append('repo-action-job-1', [
          {
            ...aRepoActionProgressed({ done, total: 5 }),
            metadata: meta({ jobId: 'job-1' }),
          },
        ]),
      ),
    );
  } finally {
    await store.close();
  }
}

type RawRow = [number, string, number, string, string, string, string, string];

/** Every stored column of the SQLite file, JSON as its text. */
function sqliteRows(file: string): RawRow[] {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return db
      .prepare<[], RawRow>(
        `SELECT global_position, stream_id, stream_version, event_id, type, data, metadata,
                recorded_at FROM events ORDER BY global_position`,
      )
      .raw(true)
      .all();
  } finally {
    db.close();
  }
}

/** Every stored column of the PostgreSQL store of `schema`, JSON as its text. */
function postgresRows(schema: string): Promise<RawRow[]> {
  return withAdmin(async (admin) => {
    const { rows } = await admin.query<RawRow>({
      text: `SELECT global_position::float8, stream_id, stream_version, event_id, type,
                    data::text, metadata::text, recorded_at
             FROM ${escapeIdentifier(schema)}.events ORDER BY global_position`,
      rowMode: 'array',
    });
    return rows;
  });
}

function headOf(schema: string): Promise<number> {
  return withAdmin(async (admin) => {
    const { rows } = await admin.query<{ position: string }>(
      `SELECT position FROM ${escapeIdentifier(schema)}.head`,
    );
    return Number(rows[0]!.position);
  });
}

/** The checksum as README documents it, computed here on its own. */
function documentedChecksum(rows: readonly RawRow[]): string {
  const whole = createHash('sha256');
  for (const [p, s, v, id, type, data, metadata, at] of rows)
    whole.update(
      createHash('sha256')
        .update([p, s, v, id, type, at, data, metadata].join('|'), 'utf8')
        .digest(),
    );
  return whole.digest('hex');
}

async function readEverything(store: {
  readAll(o: { limit: number }): Promise<{ events: RecordedEvent[] }>;
}): Promise<RecordedEvent[]> {
  return (await store.readAll({ limit: 10_000 })).events;
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number(error.code ?? 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

/** The test database's URL with a password in it (the test server trusts local users). */
function urlWithPassword(password: string): string {
  const url = new URL(testDatabaseUrl());
  if (url.password) return url.toString();
  url.password = password;
  return url.toString();
}

describe('migrate-store: a SQLite history into an empty PostgreSQL store', () => {
  let dir: string;
  let source: string;
  let schema: TestSchema;
  const opened: PostgresEventStore[] = [];
  const openTarget = async () => {
    const store = await PostgresEventStore.open(testDatabaseUrl(), {
      schema: schema.name,
    });
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-migrate-'));
    source = join(dir, 'events.sqlite');
    await writeHistory(source);
    schema = await createTestSchema();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await schema.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies every event as stored (positions, versions, ids, types, data and metadata text, times) in batches, and both checksums agree', async () => {
    const lines: string[] = [];
    const result = await migrateSqliteToPostgres({
      sourceFile: source,
      url: testDatabaseUrl(),
      schema: schema.name,
      batchSize: 4,
      progressEveryMs: 0,
      log: (line) => lines.push(line),
    });

    const stored = sqliteRows(source);
    expect(stored).toHaveLength(19);
    expect(await postgresRows(schema.name)).toEqual(stored);
    expect(stored.some((row) => row[5].includes(BIG))).toBe(true);

    const sqlite = SqliteEventStore.open(source);
    const expected = await readEverything(sqlite);
    await sqlite.close();
    const target = await openTarget();
    expect(await readEverything(target)).toEqual(expected);

    expect(result).toMatchObject({
      events: 19,
      streams: 7,
      lastPosition: 19,
      sourceChecksum: documentedChecksum(stored),
      targetChecksum: documentedChecksum(stored),
    });
    // Batches of four: a progress line for each, the last at 100 %.
    expect(lines.filter((l) => /^copied \d+ of 19 events/.test(l))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^copied 4 of 19 events \(21%\)/),
        expect.stringMatching(/^copied 19 of 19 events \(100%\)/),
      ]),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^verified in \\d+\\.\\d\\d s: 19 events, 7 streams, last position 19; sha256 checksum source ${result.sourceChecksum}, target ${result.sourceChecksum}$`,
        ),
      ),
    );
  });

  it('runs as a command: copies, prints progress, both checksums and a summary, and rebuilds the read models from the copy, without printing the password', async () => {
    const password = 'migrate-secret-pw';
    // A webhook subscription's checkpoint in the SQLite read models: consumer state, carried.
    const readModels = await openReadModelDataSource(
      join(dir, READ_MODELS_FILE),
      READ_MODEL_SCHEMA,
    );
    await new SqlDeliveryLog(readModels).record(
      'sub-1',
      { position: 12, failingSince: null },
      [],
    );
    await readModels.destroy();
    const run = await runCli(['--batch-size', '5'], {
      STACKYARD_DATA_DIR: dir,
      STACKYARD_DATABASE_URL: urlWithPassword(password),
      STACKYARD_DATABASE_SCHEMA: schema.name,
    });
    expect(run).toMatchObject({ code: 0 });
    const out = run.stdout;
    expect(out).toContain(`migrating ${source} to PostgreSQL at `);
    expect(out).toContain(`(schema ${schema.name})`);
    expect(out).toMatch(/^copied 19 of 19 events \(100%\), \d+ events\/s$/m);
    const checksums = out.match(
      /^verified in \d+\.\d\d s: 19 events, 7 streams, last position 19; sha256 checksum source ([0-9a-f]{64}), target ([0-9a-f]{64})$/m,
    );
    expect(checksums?.[1]).toBe(documentedChecksum(sqliteRows(source)));
    expect(checksums?.[2]).toBe(checksums?.[1]);
    expect(out).toMatch(
      /^migrated 19 events of 7 streams in \d+\.\d\d s \(\d+ events\/s\); read models rebuilt to position 19 in \d+\.\d\d s; appends continue at position 20$/m,
    );
    expect(out).toContain(
      'carried the delivery checkpoints of 1 subscription(s)',
    );
    expect(`${run.stdout}${run.stderr}`).not.toContain(
      new URL(urlWithPassword(password)).password,
    );

    // The read models stand on PostgreSQL, every projector at the last copied position.
    await withAdmin(async (admin) => {
      const q = (table: string) => `${escapeIdentifier(schema.name)}.${table}`;
      const checkpoints = await admin.query<{ position: string }>(
        `SELECT position FROM ${q('projection_checkpoints')}`,
      );
      expect(checkpoints.rows.length).toBeGreaterThan(0);
      expect(checkpoints.rows.map((r) => Number(r.position))).toEqual(
        checkpoints.rows.map(() => 19),
      );
      const repo = await admin.query<{
        repoId: string;
        name: string;
        branches: string;
      }>(`SELECT "repoId", name, branches FROM ${q('repos')}`);
      expect(repo.rows).toEqual([
        expect.objectContaining({ repoId: 'repo-1', name: 'demo' }),
      ]);
      expect(repo.rows[0]!.branches).toContain('feature-b');
      const job = await admin.query(
        `SELECT "jobId", "repoId", "progressDone" FROM ${q('jobs')}`,
      );
      expect(job.rows).toEqual([
        { jobId: 'job-1', repoId: 'repo-1', progressDone: 5 },
      ]);
      const task = await admin.query(`SELECT "taskId" FROM ${q('tasks')}`);
      expect(task.rows).toEqual([{ taskId: 'task-1' }]);
      const cursors = await admin.query(
        `SELECT "subscriptionId", "position"::int AS "position" FROM ${q('subscription_cursors')}`,
      );
      expect(cursors.rows).toEqual([{ subscriptionId: 'sub-1', position: 12 }]);
    });
  });

  it('refuses a target that holds events: one line, a non-zero exit, nothing written', async () => {
    const existing = await openTarget();
    await existing.appendToStream(
      'already-here',
      [
        { type: 'Here', data: { n: 1 } },
        { type: 'Here', data: { n: 2 } },
      ],
      { expectedVersion: 'no_stream' },
    );
    await existing.close();
    const before = await postgresRows(schema.name);

    const run = await runCli(['--from', source], {
      STACKYARD_DATA_DIR: join(dir, 'unused'),
      STACKYARD_DATABASE_URL: testDatabaseUrl(),
      STACKYARD_DATABASE_SCHEMA: schema.name,
    });

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `stackyard: migrate-store refused: target schema ${schema.name} is not empty (2 events, last position 2, head 2); migrate only into an empty schema\n`,
    );
    expect(run.stdout).not.toMatch(/^copied/m);
    expect(await postgresRows(schema.name)).toEqual(before);
    expect(await headOf(schema.name)).toBe(2);
    // No read model was made either.
    const tables = await withAdmin(async (admin) => {
      const { rows } = await admin.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1
         ORDER BY table_name`,
        [schema.name],
      );
      return rows.map((r) => r.table_name);
    });
    expect(tables).toContain('events');
    for (const readModel of [
      'read_model_migrations',
      'projection_checkpoints',
      'jobs',
      'repos',
      'history',
      'tasks',
    ])
      expect(tables).not.toContain(readModel);
  });

  it('refuses a source file that does not exist, before touching the target', async () => {
    await expect(
      migrateSqliteToPostgres({
        sourceFile: join(dir, 'missing.sqlite'),
        url: testDatabaseUrl(),
        schema: schema.name,
      }),
    ).rejects.toThrow(MigrationRefusedError);
    const tables = await withAdmin(async (admin) => {
      const { rows } = await admin.query(
        `SELECT 1 FROM information_schema.tables WHERE table_schema = $1`,
        [schema.name],
      );
      return rows.length;
    });
    expect(tables).toBe(0);
  });

  it('leaves the store so that appends continue at the last copied position + 1 and expected versions of copied streams still hold', async () => {
    const { lastPosition } = await migrateSqliteToPostgres({
      sourceFile: source,
      url: testDatabaseUrl(),
      schema: schema.name,
    });
    expect(lastPosition).toBe(19);
    const store = await openTarget();
    expect(await store.headPosition()).toBe(19);

    const fresh = await store.appendToStream(
      'new-stream',
      [{ type: 'New', data: {} }],
      { expectedVersion: 'no_stream' },
    );
    expect(fresh.globalPositions).toEqual([20]);

    // repo-repo-1 was copied at version 2 (registered, two branches tracked).
    const copied = await store.readStream('repo-repo-1');
    expect(copied.map((e) => e.streamVersion)).toEqual([0, 1, 2]);
    const next = await store.appendToStream(
      'repo-repo-1',
      [{ type: 'After', data: {} }],
      { expectedVersion: 2 },
    );
    expect(next).toMatchObject({
      nextExpectedVersion: 3,
      globalPositions: [21],
    });
    await expect(
      store.appendToStream('repo-repo-1', [{ type: 'Stale', data: {} }], {
        expectedVersion: 2,
      }),
    ).rejects.toThrow(ConcurrencyError);
    await expect(
      store.appendToStream(ODD_STREAM, [{ type: 'Stale', data: {} }], {
        expectedVersion: 'no_stream',
      }),
    ).rejects.toThrow(ConcurrencyError);
    // A copied event id still makes a retried append safe.
    const retried = await store.appendToStream(
      ODD_STREAM,
      [{ eventId: `id-'"\\-é-1`, type: `Odd “type” ✓`, data: {} }],
      { expectedVersion: 'any' },
    );
    expect(retried.globalPositions).toEqual([2]);

    const all = await readEverything(store);
    expect(all.map((e) => e.globalPosition)).toEqual(
      Array.from({ length: 21 }, (_, i) => i + 1),
    );
  });

  it('copies nothing when the copy fails midway: the target stays an empty store, and a later run succeeds', async () => {
    // PostgreSQL text cannot hold a NUL: the event after the history fails the copy.
    const db = new BetterSqlite3(source);
    db.prepare(
      `INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata, recorded_at)
       VALUES (?, 0, 'bad-1', 'Bad', '{}', '{}', '2024-05-01T10:00:00.000Z')`,
    ).run('bad\u0000stream');
    db.close();
    const lines: string[] = [];

    await expect(
      migrateSqliteToPostgres({
        sourceFile: source,
        url: testDatabaseUrl(),
        schema: schema.name,
        batchSize: 3,
        progressEveryMs: 0,
        log: (line) => lines.push(line),
      }),
    ).rejects.toThrow(/0x00/);
    // Batches before the bad one had been sent.
    expect(lines).toContainEqual(
      expect.stringMatching(/^copied 18 of 20 events/),
    );
    expect(await postgresRows(schema.name)).toEqual([]);
    expect(await headOf(schema.name)).toBe(0);

    const fixed = new BetterSqlite3(source);
    fixed.prepare(`DELETE FROM events WHERE event_id = 'bad-1'`).run();
    fixed.close();
    const result = await migrateSqliteToPostgres({
      sourceFile: source,
      url: testDatabaseUrl(),
      schema: schema.name,
      batchSize: 3,
    });
    expect(result).toMatchObject({ events: 19, lastPosition: 19 });
    expect(await postgresRows(schema.name)).toEqual(sqliteRows(source));
  });
});
