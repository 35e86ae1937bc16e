/**
 * npm run bench:store — the event store against @event-driven-io/emmett-sqlite in the same
 * run, plus the replay of 1,000,000 events into the read models and the choice of the
 * read-model file. Prints a table, writes bench/results/store.json.
 *
 * Environment: BENCH_REPLAY_EVENTS (default 1000000), BENCH_SCALE (default 1; 0.1 for a
 * quick look).
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getSQLiteEventStore,
  readMessagesBatch,
  sqliteConnection,
} from '@event-driven-io/emmett-sqlite';
import type { EventToAppend } from '../src/infrastructure/event-store/event-store.port';
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
  return withDir(async (dir) => {
    const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
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
  });
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
  return withDir(async (dir) => {
    const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
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
  process.stdout.write(
    `bench:store (scale ${SCALE}, replay ${REPLAY_EVENTS} events)\n`,
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
  const [emmettBatch, emmettRead] = await emmettBatchedAndRead(n(1000), 100);
  report(
    row(
      'batched appends (100 events/append)',
      'events/s',
      oursBatch,
      emmettBatch,
      'emmett-sqlite',
    ),
  );
  report(
    row(
      'readAll in pages of 1000',
      'events/s',
      oursRead,
      emmettRead,
      'emmett-sqlite',
    ),
  );

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
  });
  process.stdout.write(`\nwrote ${file}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
