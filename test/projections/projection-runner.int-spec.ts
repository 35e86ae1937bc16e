import type { JobEvent } from '../../src/domain/events/job.events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { DataSource, EntityManager } from 'typeorm';
import type { EventToAppend } from '../../src/infrastructure/event-store/event-store.port';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store';
import { openReadModelDataSource } from '../../src/infrastructure/read-model-db/read-model-data-source';
import { jobProjection } from '../../src/projections/job/job.projection';
import { jobWriter } from '../../src/projections/job/job.writer';
import type { JobRow } from '../../src/read-models/job/job.row';
import type { Projector } from '../../src/projections/projection';
import {
  ProjectionRunner,
  type RunnerLogger,
} from '../../src/projections/projection-runner';
import { READ_MODEL_PROJECTORS } from '../../src/projections/projectors';
import { rebuildReadModels } from '../../src/projections/rebuild-read-models';
import { JobEntity } from '../../src/read-models/job/job.entity';
import { ProjectionCheckpointEntity } from '../../src/read-models/projection-checkpoint.entity';
import {
  aRepoActionCompleted,
  aRepoActionFailed,
  aRepoActionProgressed,
  aRepoActionRequested,
  aRepoActionStarted,
  aStepStarted,
} from '../builders/job.builders';
import { READ_MODEL_SCHEMA } from '../../src/read-models/read-model.schema';

const recordingLogger = () => {
  const lines: string[] = [];
  const logger: RunnerLogger = {
    log: (m) => lines.push(`log ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
  return { lines, logger };
};

/** A job's whole life, ending in success or failure by its number. */
function jobEvents(n: number): EventToAppend[] {
  const jobId = `job-${n}`;
  return [
    aRepoActionRequested({ jobId, repoId: `repo-${n % 3}` }),
    aRepoActionStarted(1),
    aStepStarted('execute'),
    aRepoActionProgressed({ done: n % 4 }),
    n % 5 === 0 ? aRepoActionFailed() : aRepoActionCompleted(),
  ];
}

const jobRows = (ds: DataSource) =>
  ds.manager.find(JobEntity, { order: { jobId: 'ASC' } });

describe('ProjectionRunner on SQLite files', () => {
  let dir: string;
  let store: SqliteEventStore;
  let ds: DataSource;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-proj-'));
    store = SqliteEventStore.open(join(dir, 'events.sqlite'));
    ds = await openReadModelDataSource(
      join(dir, 'read-models.sqlite'),
      READ_MODEL_SCHEMA,
    );
  });

  afterEach(async () => {
    if (ds.isInitialized) await ds.destroy();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('recovers by itself when the read-model file takes writes again', async () => {
    let failed!: (message: string) => void;
    const failure = new Promise<string>((resolve) => (failed = resolve));
    const runner = new ProjectionRunner(store, ds, READ_MODEL_PROJECTORS, {
      logger: { log: () => undefined, warn: () => undefined, error: failed },
      retryBaseMs: 5,
    });
    await runner.init();
    // The read models' own connection refuses writes, as a full or read-only disk does.
    const readModels = (
      ds.driver as unknown as { databaseConnection: Database }
    ).databaseConnection;
    readModels.pragma('query_only = ON');
    runner.start();
    await store.appendToStream('repo-action-job-1', jobEvents(1), {
      expectedVersion: 'no_stream',
    });
    expect(await failure).toContain('projection runner failed');
    expect(runner.failure).toBeDefined();
    expect(await jobRows(ds)).toEqual([]);

    readModels.pragma('query_only = OFF');
    await runner.waitForPosition(await store.headPosition());
    expect(runner.failure).toBeUndefined();
    expect((await jobRows(ds)).map((r) => [r.jobId, r.status])).toEqual([
      ['job-1', 'completed'],
    ]);
    await runner.stop();
  });

  it('builds rows live, and a rebuild from position 0 gives the same rows', async () => {
    const { logger } = recordingLogger();
    const runner = new ProjectionRunner(store, ds, READ_MODEL_PROJECTORS, {
      batchSize: 7,
      logger,
    });
    await runner.init();
    runner.start();
    for (let n = 0; n < 40; n++) {
      const events = jobEvents(n);
      // Interleave streams: first half of every job, then the rest, so batches cut across jobs.
      await store.appendToStream(`repo-action-job-${n}`, events.slice(0, 2), {
        expectedVersion: 'no_stream',
      });
    }
    for (let n = 0; n < 40; n++) {
      await store.appendToStream(
        `repo-action-job-${n}`,
        jobEvents(n).slice(2),
        {
          expectedVersion: 1,
        },
      );
    }
    const head = await store.headPosition();
    await runner.waitForPosition(head);
    await runner.stop();
    const incremental = await jobRows(ds);
    expect(incremental).toHaveLength(40);
    expect(incremental.filter((r) => r.status === 'error')).toHaveLength(8);
    expect(incremental.every((r) => r.status !== 'running')).toBe(true);

    const { position } = await rebuildReadModels(
      store,
      ds,
      READ_MODEL_PROJECTORS,
      {
        logger,
      },
    );
    expect(position).toBe(head);
    expect(await jobRows(ds)).toEqual(incremental);
    const checkpoint = await ds.manager.findOneBy(ProjectionCheckpointEntity, {
      name: 'jobs',
    });
    expect(checkpoint?.position).toBe(head);
  });

  it('resumes from its checkpoint after a restart and applies nothing twice', async () => {
    await store.appendToStream('repo-action-job-1', jobEvents(1).slice(0, 3), {
      expectedVersion: 'no_stream',
    });
    const first = new ProjectionRunner(store, ds, READ_MODEL_PROJECTORS);
    await first.init();
    expect(await first.catchUp()).toBe(3);
    await store.appendToStream('repo-action-job-1', jobEvents(1).slice(3), {
      expectedVersion: 2,
    });

    const second = new ProjectionRunner(store, ds, READ_MODEL_PROJECTORS);
    await second.init();
    expect(second.position).toBe(3);
    expect(await second.catchUp()).toBe(5);
    const [row] = await jobRows(ds);
    expect(row).toMatchObject({ status: 'completed', position: 5 });
  });

  it('skips an event of an unknown type, reports it once and goes on', async () => {
    const { lines, logger } = recordingLogger();
    await store.appendToStream('repo-action-job-1', [aRepoActionRequested()], {
      expectedVersion: 'any',
    });
    await store.appendToStream(
      'elsewhere',
      [
        { type: 'FromTheFuture', data: { x: 1 } },
        { type: 'FromTheFuture', data: { x: 2 } },
      ],
      { expectedVersion: 'any' },
    );
    await store.appendToStream('repo-action-job-1', [aRepoActionStarted()], {
      expectedVersion: 0,
    });
    const runner = new ProjectionRunner(store, ds, READ_MODEL_PROJECTORS, {
      logger,
    });
    await runner.init();
    expect(await runner.catchUp()).toBe(4);
    expect((await jobRows(ds))[0]?.status).toBe('running');
    expect(lines.filter((l) => l.includes('FromTheFuture'))).toEqual([
      'warn skipping events of unknown type "FromTheFuture" (first at position 2)',
    ]);
  });

  it('keeps rows and checkpoint together when a write fails mid-batch', async () => {
    await store.appendToStream('repo-action-job-1', jobEvents(1), {
      expectedVersion: 'no_stream',
    });
    let failNext = true;
    const flaky: Projector<JobRow, JobEvent['type'], EntityManager> = {
      projection: jobProjection,
      writer: {
        load: (tx, keys) => jobWriter.load(tx, keys),
        save: async (tx, changes) => {
          await jobWriter.save(tx, changes);
          if (failNext) {
            failNext = false;
            throw new Error('disk full');
          }
        },
      },
    };
    const runner = new ProjectionRunner(store, ds, [flaky]);
    await runner.init();
    await expect(runner.catchUp()).rejects.toThrow('disk full');
    expect(await jobRows(ds)).toEqual([]);
    expect(await ds.manager.find(ProjectionCheckpointEntity)).toEqual([]);

    await runner.init();
    expect(await runner.catchUp()).toBe(5);
    expect((await jobRows(ds))[0]?.status).toBe('completed');
  });

  it('logs and skips an event on which a projection throws', async () => {
    const { lines, logger } = recordingLogger();
    const brittle: Projector<JobRow, JobEvent['type'], EntityManager> = {
      projection: {
        ...jobProjection,
        evolve: (row, event) => {
          if (event.type === 'RepoActionStarted') throw new Error('bug');
          return jobProjection.evolve(row, event);
        },
      },
      writer: jobWriter,
    };
    await store.appendToStream('repo-action-job-1', jobEvents(1), {
      expectedVersion: 'no_stream',
    });
    const runner = new ProjectionRunner(store, ds, [brittle], { logger });
    await runner.init();
    expect(await runner.catchUp()).toBe(5);
    expect((await jobRows(ds))[0]?.status).toBe('completed');
    expect(
      lines.some((l) =>
        l.startsWith('error projection jobs failed on event 2'),
      ),
    ).toBe(true);
  });
});
