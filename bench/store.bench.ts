/**
 * npm run bench:store — the event store against @event-driven-io/emmett-sqlite in the same
 * run, the PostgreSQL store against @event-driven-io/emmett-postgresql and against the
 * SQLite store, plus the replay of 1,000,000 events into the read models and the choice of
 * the read-model file. Prints a table, writes bench/results/store.json.
 *
 * Environment: BENCH_REPLAY_EVENTS (default 1000000), BENCH_SCALE (default 1; 0.1 for a
 * quick look), STACKYARD_BENCH_DATABASE_URL (else STACKYARD_TEST_DATABASE_URL, else the
 * local server's `test` database): each PostgreSQL measurement runs in a schema of its
 * own, dropped after it. When that server cannot be reached, the PostgreSQL rows are
 * skipped with a line saying so and the others still run.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getSQLiteEventStore,
  readMessagesBatch,
  sqliteConnection,
} from '@event-driven-io/emmett-sqlite';
import { dumbo } from '@event-driven-io/dumbo';
import {
  getPostgreSQLEventStore,
  readMessagesBatch as readPostgreSQLMessagesBatch,
} from '@event-driven-io/emmett-postgresql';
import { Client, escapeIdentifier } from 'pg';
import type {
  EventStore,
  EventToAppend,
} from '../src/infrastructure/event-store/event-store.port';
import { PostgresEventStore } from '../src/infrastructure/event-store/postgres-event-store';
import { SqliteEventStore } from '../src/infrastructure/event-store/sqlite-event-store';
import { openReadModelDataSource } from '../src/infrastructure/read-model-db/read-model-data-source';
import { ProjectionRunner } from '../src/projections/projection-runner';
import { READ_MODEL_PROJECTORS } from '../src/projections/projectors';
import { rebuildReadModels } from '../src/projections/rebuild-read-models';
import { READ_MODEL_SCHEMA } from '../src/read-models/read-model.schema';
import {
  type BenchRow,
  printTable,
  row,
  timed,
  writeResult,
} from './support/report';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const PG_URL =
  process.env.STACKYARD_BENCH_DATABASE_URL ||
  process.env.STACKYARD_TEST_DATABASE_URL ||
  'postgres://postgres@127.0.0.1:5432/test';
const REPLAY_EVENTS = Number(process.env.BENCH_REPLAY_EVENTS ?? 1_000_000);
const n = (count: number) => Math.max(1, Math.round(count * SCALE));

const quiet = {
  log: () => {},
  warn: () => {},
  error: (m: string) => console.error(m),
};
const payload = (i: number) => ({
  n: i,
  repoId: 'repo-1',
  branch: `feature/${i % 50}`,
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'stackyard-bench-'));
}

async function withDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = tempDir();
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `total` appends from `writers` concurrent loops; returns [appends/s, failures]. */
async function concurrentWriters(
  writers: number,
  total: number,
  append: (writer: number, i: number) => Promise<unknown>,
  budgetMs = 60_000,
): Promise<[number, number]> {
  let failures = 0;
  let done = 0;
  let next = 0;
  const deadline = Date.now() + budgetMs;
  const seconds = await timed(() =>
    Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        while (next < total && Date.now() < deadline) {
          const i = next++;
          await append(w, i).then(
            () => done++,
            () => failures++,
          );
        }
      }),
    ),
  );
  return [done / seconds, failures];
}

async function oursAppends(writers: number, total: number) {
  return withDir((dir) =>
    storeAppends(
      SqliteEventStore.open(join(dir, 'events.sqlite')),
      writers,
      total,
    ),
  );
}

async function storeAppends(store: EventStore, writers: number, total: number) {
  const result = await concurrentWriters(writers, total, (_, i) =>
    store.appendToStream(
      `s-${i % 100}`,
      [{ type: 'Numbered', data: payload(i) }],
      {
        expectedVersion: 'any',
      },
    ),
  );
  await store.close();
  return result;
}

/**
 * Emmett's store takes one append at a time per instance (concurrent calls on one instance
 * share and close its connection), so its writers queue behind one lock: its best case.
 */
async function emmettAppends(writers: number, total: number) {
  return withDir(async (dir) => {
    const store = getSQLiteEventStore({ fileName: join(dir, 'emmett.sqlite') });
    let queue: Promise<unknown> = Promise.resolve();
    return concurrentWriters(writers, total, (_, i) => {
      const turn = queue.then(() =>
        store.appendToStream(`s-${i % 100}`, [
          { type: 'Numbered', data: payload(i) },
        ]),
      );
      queue = turn.catch(() => undefined);
      return turn;
    });
  });
}

/** Emmett with one instance (one connection) per writer: they contend for SQLite's lock. */
async function emmettUnqueuedFailures(writers: number, total: number) {
  return withDir(async (dir) => {
    const fileName = join(dir, 'emmett.sqlite');
    const stores = Array.from({ length: writers }, () =>
      getSQLiteEventStore({ fileName }),
    );
    await stores[0]!.appendToStream('warmup', [
      { type: 'Numbered', data: payload(0) },
    ]);
    return concurrentWriters(
      writers,
      total,
      (w, i) =>
        stores[w]!.appendToStream(`s-${i % 100}`, [
          { type: 'Numbered', data: payload(i) },
        ]),
      15_000,
    );
  });
}

const batchOf = (size: number, base: number): EventToAppend[] =>
  Array.from({ length: size }, (_, k) => ({
    type: 'Numbered',
    data: payload(base + k),
  }));

async function batchedAndRead(batches: number, size: number) {
  return withDir((dir) =>
    storeBatchedAndRead(
      SqliteEventStore.open(join(dir, 'events.sqlite')),
      batches,
      size,
    ),
  );
}

async function storeBatchedAndRead(
  store: EventStore,
  batches: number,
  size: number,
) {
  const appendSeconds = await timed(async () => {
    for (let b = 0; b < batches; b++) {
      await store.appendToStream(`s-${b % 100}`, batchOf(size, b * size), {
        expectedVersion: 'any',
      });
    }
  });
  let read = 0;
  const readSeconds = await timed(async () => {
    let from = 1;
    for (;;) {
      const page = await store.readAll({ fromPosition: from, limit: 1000 });
      read += page.events.length;
      from = page.nextPosition;
      if (page.isEnd) break;
    }
  });
  await store.close();
  if (read !== batches * size)
    throw new Error(`ours read ${read} of ${batches * size}`);
  return [(batches * size) / appendSeconds, read / readSeconds] as const;
}

/** Why PostgreSQL at PG_URL cannot be used, or undefined when it can. */
async function pgUnreachable(): Promise<string | undefined> {
  const client = new Client({
    connectionString: PG_URL,
    connectionTimeoutMillis: 5000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    return code ?? message ?? String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs `work` in a new schema of its own, dropped afterwards. */
async function withSchema<T>(work: (schema: string) => Promise<T>): Promise<T> {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`);
    return await work(schema);
  } finally {
    await admin.query(
      `DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`,
    );
    await admin.end();
  }
}

const openPg = (schema: string) => PostgresEventStore.open(PG_URL, { schema });

/** Emmett's tables go to the first schema of the connections' search path. */
function emmettPgUrl(schema: string): string {
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function oursPgAppends(writers: number, total: number) {
  return withSchema(async (schema) =>
    storeAppends(await openPg(schema), writers, total),
  );
}

async function oursPgBatchedAndRead(batches: number, size: number) {
  return withSchema(async (schema) =>
    storeBatchedAndRead(await openPg(schema), batches, size),
  );
}

/**
 * Emmett's PostgreSQL store takes concurrent appends on one instance (a pool of
 * connections, one transaction per append). Its schema is created by a first append
 * before the clock starts.
 */
async function emmettPgAppends(writers: number, total: number) {
  return withSchema(async (schema) => {
    const store = getPostgreSQLEventStore(emmettPgUrl(schema));
    try {
      await store.appendToStream('warmup', [
        { type: 'Numbered', data: payload(0) },
      ]);
      return await concurrentWriters(writers, total, (_, i) =>
        store.appendToStream(`s-${i % 100}`, [
          { type: 'Numbered', data: payload(i) },
        ]),
      );
    } finally {
      await store.close();
    }
  });
}

async function emmettPgBatchedAndRead(batches: number, size: number) {
  return withSchema(async (schema) => {
    const connectionString = emmettPgUrl(schema);
    const store = getPostgreSQLEventStore(connectionString);
    try {
      await store.appendToStream('warmup', batchOf(1, 0) as never);
      const appendSeconds = await timed(async () => {
        for (let b = 0; b < batches; b++) {
          await store.appendToStream(
            `s-${b % 100}`,
            batchOf(size, b * size) as never,
          );
        }
      });
      const pool = dumbo({ connectionString });
      let read = 0;
      const readSeconds = await timed(async () => {
        let after = 1n; // past the warm-up event
        for (;;) {
          const page = await readPostgreSQLMessagesBatch(pool.execute, {
            after,
            batchSize: 1000,
          });
          read += page.messages.length;
          if (page.messages.length === 0 || !page.areMessagesLeft) break;
          after = page.currentGlobalPosition;
        }
      });
      if (read !== batches * size)
        throw new Error(`emmett-postgresql read ${read} of ${batches * size}`);
      return [(batches * size) / appendSeconds, read / readSeconds] as const;
    } finally {
      await store.close();
    }
  });
}

async function emmettBatchedAndRead(batches: number, size: number) {
  return withDir(async (dir) => {
    const fileName = join(dir, 'emmett.sqlite');
    const store = getSQLiteEventStore({ fileName });
    const appendSeconds = await timed(async () => {
      for (let b = 0; b < batches; b++) {
        await store.appendToStream(
          `s-${b % 100}`,
          batchOf(size, b * size) as never,
        );
      }
    });
    const connection = sqliteConnection({ fileName });
    let read = 0;
    const readSeconds = await timed(async () => {
      let after = 0n;
      for (;;) {
        const page = await readMessagesBatch(connection, {
          after,
          batchSize: 1000,
        });
        read += page.messages.length;
        if (page.messages.length === 0 || !page.areEventsLeft) break;
        after = page.currentGlobalPosition;
      }
    });
    connection.close();
    if (read !== batches * size)
      throw new Error(`emmett read ${read} of ${batches * size}`);
    return [(batches * size) / appendSeconds, read / readSeconds] as const;
  });
}

/**
 * A reference measurement that may fail: under load emmett-sqlite has met SQLITE_BUSY
 * inside its own transactions. Its row then says so, with no reference figure, and the
 * run goes on.
 */
async function reference<T extends readonly number[]>(
  name: string,
  measure: () => Promise<T>,
): Promise<{ figures: T | undefined; name: string }> {
  try {
    return { figures: await measure(), name };
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    return { figures: undefined, name: `${name} (failed: ${code ?? message})` };
  }
}

/** Ten events of one job's life, as the job runner writes them. */
function jobLife(jobId: string, repo: number): EventToAppend[] {
  const step = (type: string, data: object): EventToAppend => ({ type, data });
  return [
    step('RepoActionRequested', {
      jobId,
      orgId: 'org-1',
      repoId: `repo-${repo}`,
      action: 'restack_repo',
    }),
    step('RepoActionStarted', { attempt: 1, worker: 'bench' }),
    step('RepoActionStepStarted', { step: 'pre_sync' }),
    step('RepoActionStepCompleted', { step: 'pre_sync', summary: 'fetched' }),
    step('RepoActionStepStarted', { step: 'execute' }),
    step('RepoActionProgressed', {
      step: 'execute',
      message: 'restacking',
      done: 1,
      total: 2,
    }),
    step('RepoActionStepCompleted', {
      step: 'execute',
      summary: 'restacked 2 branches',
    }),
    step('RepoActionStepStarted', { step: 'publish' }),
    step('RepoActionStepCompleted', { step: 'publish', summary: 'pushed' }),
    step('RepoActionCompleted', { summary: 'done', changed: [] }),
  ];
}

async function fillJobs(
  store: SqliteEventStore,
  events: number,
): Promise<void> {
  const jobs = Math.ceil(events / 10);
  for (let start = 0; start < jobs; start += 1000) {
    const appends = [];
    for (let j = start; j < Math.min(jobs, start + 1000); j++) {
      appends.push(
        store.appendToStream(
          `repo-action-job-${j}`,
          jobLife(`job-${j}`, j % 20),
          {
            expectedVersion: 'no_stream',
          },
        ),
      );
    }
    await Promise.all(appends);
  }
}

async function replay(events: number): Promise<number> {
  return withDir(async (dir) => {
    const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
    await fillJobs(store, events);
    const head = await store.headPosition();
    const ds = await openReadModelDataSource(
      join(dir, 'read-models.sqlite'),
      READ_MODEL_SCHEMA,
    );
    let position = 0;
    const seconds = await timed(async () => {
      ({ position } = await rebuildReadModels(
        store,
        ds,
        READ_MODEL_PROJECTORS,
        {
          logger: quiet,
          batchSize: 5000,
        },
      ));
    });
    await ds.destroy();
    await store.close();
    if (position !== head)
      throw new Error(`replay reached ${position} of ${head}`);
    return head / seconds;
  });
}

/** 64 writers appending while the projection runner follows live, read models in `where`. */
async function appendsWhileProjecting(
  where: 'sibling' | 'same',
  total: number,
) {
  return withDir(async (dir) => {
    const eventsFile = join(dir, 'events.sqlite');
    const store = SqliteEventStore.open(eventsFile);
    const ds = await openReadModelDataSource(
      where === 'same' ? eventsFile : join(dir, 'read-models.sqlite'),
      READ_MODEL_SCHEMA,
    );
    const runner = new ProjectionRunner(store, ds, READ_MODEL_PROJECTORS, {
      logger: quiet,
    });
    await runner.init();
    runner.start();
    const deadline = Date.now() + 20_000;
    const [rate, failures] = await concurrentWriters(
      64,
      total,
      async (_, i) => {
        if (Date.now() > deadline) throw new Error('out of time');
        const job = `job-${i}`;
        await store.appendToStream(
          `repo-action-${job}`,
          jobLife(job, i % 20).slice(0, 2),
          {
            expectedVersion: 'no_stream',
          },
        );
      },
    );
    await runner.stop();
    await ds.destroy();
    await store.close();
    return [rate, failures] as const;
  });
}

/**
 * The store's CPU per event with five followers at the head (what the service runs: the
 * projections, the job runner, the task saga, the repo directory, the SSE fan-out), appends
 * in groups of 32: with the newest events kept in memory for them, and with every follower
 * reading each commit back from the file.
 */
async function followersAtHead(
  recentEvents: number | undefined,
  total: number,
): Promise<number> {
  return withDir(async (dir) => {
    const store = SqliteEventStore.open(join(dir, 'events.sqlite'), {
      ...(recentEvents === undefined ? {} : { recentEvents }),
    });
    const followers = Array.from({ length: 5 }, () =>
      store.subscribe({ fromPosition: 1 }),
    );
    let seen = 0;
    const following = followers.map(async (f) => {
      for await (const batch of f) seen += batch.length;
    });
    const start = process.cpuUsage();
    for (let i = 0; i < total; i += 32) {
      await Promise.all(
        Array.from({ length: 32 }, (_, j) =>
          store.appendToStream(
            `repo-action-${i + j}`,
            [
              {
                type: 'RepoActionRequested',
                data: { jobId: `job-${i + j}`, orgId: 'org-1', repoId: 'r' },
                metadata: { orgId: 'org-1', correlationId: 'c' },
              },
            ],
            { expectedVersion: 'no_stream' },
          ),
        ),
      );
    }
    while (seen < total * followers.length)
      await new Promise((resolve) => setImmediate(resolve));
    const used = process.cpuUsage(start);
    for (const f of followers) f.close();
    await Promise.all(following);
    await store.close();
    return (used.user + used.system) / total;
  });
}

async function main(): Promise<void> {
  // emmett-sqlite prints every failed transaction with console.log; keep the table readable.
  console.log = () => {};
  const rows: BenchRow[] = [];
  const report = (r: BenchRow) => {
    rows.push(r);
    process.stdout.write(
      `  ${r.metric}: ours ${Math.round(r.ours)} vs ${r.referenceName} ${r.reference === null ? '-' : Math.round(r.reference)}\n`,
    );
  };
  // Other work on the machine slows the durable rows most (commit flushes): say how busy
  // it was.
  const loadAtStart = loadavg();
  process.stdout.write(
    `bench:store (scale ${SCALE}, replay ${REPLAY_EVENTS} events, load ${loadAtStart[0]!.toFixed(2)})\n`,
  );

  const single = n(2000);
  const [ours1] = await oursAppends(1, single);
  const [emmett1] = await emmettAppends(1, single);
  report(
    row(
      'durable single-event appends, 1 writer',
      'appends/s',
      ours1,
      emmett1,
      'emmett-sqlite',
    ),
  );

  const concurrent = n(10_000);
  const [ours64, oursFailed] = await oursAppends(64, concurrent);
  const [emmett64] = await emmettAppends(64, n(3000));
  report(
    row(
      'durable single-event appends, 64 writers',
      'appends/s',
      ours64,
      emmett64,
      'emmett-sqlite, writers queued',
    ),
  );
  const [, emmettFailed] = await emmettUnqueuedFailures(64, n(3000));
  report(
    row(
      'failed appends, 64 writers',
      'failures',
      oursFailed,
      emmettFailed,
      'emmett-sqlite, a connection each',
      false,
    ),
  );

  const [oursBatch, oursRead] = await batchedAndRead(n(1000), 100);
  const emmett = await reference('emmett-sqlite', () =>
    emmettBatchedAndRead(n(1000), 100),
  );
  report(
    row(
      'batched appends (100 events/append)',
      'events/s',
      oursBatch,
      emmett.figures?.[0] ?? null,
      emmett.name,
    ),
  );
  report(
    row(
      'readAll in pages of 1000',
      'events/s',
      oursRead,
      emmett.figures?.[1] ?? null,
      emmett.name,
    ),
  );

  const followed = n(20_000);
  const withRecent = await followersAtHead(undefined, followed);
  const fromFile = await followersAtHead(0, followed);
  report(
    row(
      'CPU per appended event, 5 followers at the head',
      'µs',
      withRecent,
      fromFile,
      'each follower reading the commit back from the file',
      false,
    ),
  );

  const unreachable = await pgUnreachable();
  if (unreachable !== undefined) {
    process.stdout.write(
      `  PostgreSQL at ${new URL(PG_URL).host} cannot be reached (${unreachable}): the PostgreSQL rows are skipped\n`,
    );
  } else {
    const [pg1] = await oursPgAppends(1, single);
    const emmett1 = await reference('emmett-postgresql', () =>
      emmettPgAppends(1, single),
    );
    report(
      row(
        'PostgreSQL: durable single-event appends, 1 writer',
        'appends/s',
        pg1,
        emmett1.figures?.[0] ?? null,
        emmett1.name,
      ),
    );
    const [pg64, pgFailed] = await oursPgAppends(64, n(20_000));
    const emmett64 = await reference('emmett-postgresql', () =>
      emmettPgAppends(64, n(5000)),
    );
    report(
      row(
        'PostgreSQL: durable single-event appends, 64 writers',
        'appends/s',
        pg64,
        emmett64.figures?.[0] ?? null,
        emmett64.name,
      ),
    );
    report(
      row(
        'PostgreSQL: single-event appends, 64 writers, against the target',
        'appends/s',
        pg64,
        15_000,
        'target',
      ),
    );
    report(
      row(
        'PostgreSQL: failed appends, 64 writers',
        'failures',
        pgFailed,
        emmett64.figures?.[1] ?? null,
        emmett64.name,
        false,
      ),
    );
    const [pgBatch, pgRead] = await oursPgBatchedAndRead(n(1000), 100);
    const emmettBatched = await reference('emmett-postgresql', () =>
      emmettPgBatchedAndRead(n(1000), 100),
    );
    report(
      row(
        'PostgreSQL: batched appends (100 events/append)',
        'events/s',
        pgBatch,
        emmettBatched.figures?.[0] ?? null,
        emmettBatched.name,
      ),
    );
    report(
      row(
        'PostgreSQL: readAll in pages of 1000',
        'events/s',
        pgRead,
        emmettBatched.figures?.[1] ?? null,
        emmettBatched.name,
      ),
    );
    const sqlite = 'ours on SQLite';
    report(
      row(
        'ours on PostgreSQL: single-event appends, 1 writer',
        'appends/s',
        pg1,
        ours1,
        sqlite,
      ),
    );
    report(
      row(
        'ours on PostgreSQL: single-event appends, 64 writers',
        'appends/s',
        pg64,
        ours64,
        sqlite,
      ),
    );
    report(
      row(
        'ours on PostgreSQL: batched appends (100 events/append)',
        'events/s',
        pgBatch,
        oursBatch,
        sqlite,
      ),
    );
    report(
      row(
        'ours on PostgreSQL: readAll in pages of 1000',
        'events/s',
        pgRead,
        oursRead,
        sqlite,
      ),
    );
  }

  const replayRate = await replay(REPLAY_EVENTS);
  report(
    row(
      `replay ${REPLAY_EVENTS} events into read models`,
      'events/s',
      replayRate,
      100_000,
      'target',
    ),
  );

  const [sibling, siblingFailed] = await appendsWhileProjecting(
    'sibling',
    n(5000),
  );
  const [same, sameFailed] = await appendsWhileProjecting('same', n(5000));
  report(
    row(
      'appends while projecting: read models in a sibling file vs the same file',
      'appends/s',
      sibling,
      same,
      'read models in events file',
    ),
  );
  report(
    row(
      'failed appends while projecting (sibling vs same file)',
      'failures',
      siblingFailed,
      sameFailed,
      'read models in events file',
      false,
    ),
  );

  printTable('bench:store', rows);
  const file = writeResult('store', rows, {
    scale: SCALE,
    replayEvents: REPLAY_EVENTS,
    postgres:
      unreachable === undefined ? 'measured' : `skipped: ${unreachable}`,
    loadAverage: { start: loadAtStart, end: loadavg() },
  });
  process.stdout.write(`\nwrote ${file}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
