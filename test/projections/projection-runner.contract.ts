import type { JobEvent } from '../../src/domain/events/job.events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import type { EventToAppend } from '../../src/infrastructure/event-store/event-store.port';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store';
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
import { TIMELINE_EVENTS } from '../../src/domain/events/stackyard-event';
import { repoStream, taskStream } from '../../src/domain/streams';
import { HistoryEntity } from '../../src/read-models/history/history.entity';
import { JobEntity } from '../../src/read-models/job/job.entity';
import { RepoEntity } from '../../src/read-models/repo/repo.entity';
import { TaskEntity } from '../../src/read-models/task/task.entity';
import { ProjectionCheckpointEntity } from '../../src/read-models/projection-checkpoint.entity';
import {
  aRepoActionCompleted,
  aRepoActionFailed,
  aRepoActionProgressed,
  aRepoActionRequested,
  aRepoActionStarted,
  aStepStarted,
} from '../builders/job.builders';
import {
  aBranchTracked,
  aRepoBranchesObserved,
  aRepoRegistered,
  anObservedBranch,
  sha,
} from '../builders/repo.builders';
import {
  aTaskBranchAttached,
  aTaskBranchAttachFailed,
  aTaskCreated,
} from '../builders/task.builders';
import {
  openTestReadModels,
  type ReadModelEngine,
  type TestReadModels,
} from '../support/read-model-engines';

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

/** Every read model's rows, in key order. */
const everyReadModel = async (ds: DataSource) => ({
  repos: await ds.manager.find(RepoEntity, { order: { repoId: 'ASC' } }),
  jobs: await jobRows(ds),
  tasks: await ds.manager.find(TaskEntity, { order: { taskId: 'ASC' } }),
  history: await ds.manager.find(HistoryEntity, {
    order: { position: 'ASC' },
  }),
  checkpoints: await ds.manager.find(ProjectionCheckpointEntity, {
    order: { name: 'ASC' },
  }),
});

/**
 * Two repos of one org with tracked branches, tasks and jobs, every event with the metadata
 * the service records: something for every read model, history included.
 */
export async function fillEveryReadModel(
  store: SqliteEventStore,
): Promise<void> {
  for (const repoId of ['repo-1', 'repo-2']) {
    const metadata = { orgId: 'org-1', repoId, at: '2026-01-01T00:00:00.000Z' };
    const withMetadata = <E extends EventToAppend>(events: E[]) =>
      events.map((e) => ({ ...e, metadata }));
    await store.appendToStream(
      repoStream(repoId),
      withMetadata([
        aRepoRegistered({ repoId, name: `Name of ${repoId}` }),
        aBranchTracked({ branch: 'feature-a' }),
        aBranchTracked({ branch: 'feature-b', parent: 'feature-a' }),
        aRepoBranchesObserved({
          branches: [
            anObservedBranch('main', sha('1')),
            anObservedBranch('feature-a', sha('a'), null),
          ],
        }),
      ]),
      { expectedVersion: 'no_stream' },
    );
    for (let n = 1; n <= 3; n++) {
      const jobId = `${repoId}-job-${n}`;
      await store.appendToStream(
        `repo-action-${jobId}`,
        withMetadata(
          jobEvents(n).map((e) =>
            e.type === 'RepoActionRequested'
              ? aRepoActionRequested({ jobId, repoId, branchName: 'feature-a' })
              : e,
          ),
        ),
        { expectedVersion: 'no_stream' },
      );
      const taskId = `${repoId}-task-${n}`;
      await store.appendToStream(
        taskStream(taskId),
        withMetadata([
          aTaskCreated({ taskId, repoId, branchName: `task-branch-${n}` }),
          n === 2 ? aTaskBranchAttachFailed() : aTaskBranchAttached(),
        ]),
        { expectedVersion: 'no_stream' },
      );
    }
  }
}

/** The projection runner's behaviour on read models of `engine`. */
export function projectionRunnerContract(engine: ReadModelEngine): void {
  describe(`ProjectionRunner on ${engine}`, () => {
    let dir: string;
    let store: SqliteEventStore;
    let readModels: TestReadModels;
    let ds: DataSource;

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'stackyard-proj-'));
      store = SqliteEventStore.open(join(dir, 'events.sqlite'));
      readModels = await openTestReadModels(engine);
      ds = readModels.ds;
    });

    afterEach(async () => {
      await readModels.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('recovers by itself when the read models take writes again', async () => {
      let failed!: (message: string) => void;
      const failure = new Promise<string>((resolve) => (failed = resolve));
      const runner = new ProjectionRunner(store, ds, READ_MODEL_PROJECTORS, {
        logger: { log: () => undefined, warn: () => undefined, error: failed },
        retryBaseMs: 5,
      });
      await runner.init();
      // The read models refuse writes, as a full or read-only disk does.
      await readModels.refuseWrites();
      runner.start();
      await store.appendToStream('repo-action-job-1', jobEvents(1), {
        expectedVersion: 'no_stream',
      });
      expect(await failure).toContain('projection runner failed');
      expect(runner.failure).toBeDefined();
      expect(await jobRows(ds)).toEqual([]);

      await readModels.acceptWrites();
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
      const checkpoint = await ds.manager.findOneBy(
        ProjectionCheckpointEntity,
        {
          name: 'jobs',
        },
      );
      expect(checkpoint?.position).toBe(head);
    });

    it('fills every read model live, and a rebuild from position 0 reads back the same rows', async () => {
      await fillEveryReadModel(store);
      const head = await store.headPosition();
      const runner = new ProjectionRunner(store, ds, READ_MODEL_PROJECTORS);
      await runner.init();
      expect(await runner.catchUp()).toBe(head);
      const live = await everyReadModel(ds);
      expect(live.repos.map((r) => [r.repoId, r.branches.length])).toEqual([
        ['repo-1', 2],
        ['repo-2', 2],
      ]);
      expect(live.jobs).toHaveLength(6);
      expect(live.tasks.map((t) => t.status).sort()).toEqual([
        'attach_failed',
        'attach_failed',
        'ready',
        'ready',
        'ready',
        'ready',
      ]);
      const { events } = await store.readAll({ fromPosition: 1, limit: head });
      expect(live.history.map((h) => h.position)).toEqual(
        events
          .filter((e) => TIMELINE_EVENTS.has(e.type) && e.metadata?.orgId)
          .map((e) => e.globalPosition),
      );
      expect(live.checkpoints.map((c) => [c.name, c.position])).toEqual(
        ['history', 'jobs', 'repos', 'subscriptions', 'tasks'].map((name) => [
          name,
          head,
        ]),
      );

      const { position } = await rebuildReadModels(
        store,
        ds,
        READ_MODEL_PROJECTORS,
      );

      expect(position).toBe(head);
      const rebuilt = await everyReadModel(ds);
      expect(rebuilt).toEqual({
        ...live,
        checkpoints: live.checkpoints.map((c) => ({
          ...c,
          updatedAt: expect.any(String) as unknown,
        })),
      });
    });

    it('writes no row of a batch whose checkpoints cannot be written, in any read model', async () => {
      await fillEveryReadModel(store);
      const head = await store.headPosition();
      const runner = new ProjectionRunner(store, ds, READ_MODEL_PROJECTORS);
      await runner.init();
      await readModels.refuseWrites(['projection_checkpoints']);

      await expect(runner.catchUp()).rejects.toThrow('writes refused');

      const before = await everyReadModel(ds);
      expect({ ...before, checkpoints: undefined }).toEqual({
        repos: [],
        jobs: [],
        tasks: [],
        history: [],
        checkpoints: undefined,
      });
      // Each projector's checkpoint row is made at init, at 0, and stays there.
      expect(before.checkpoints).toHaveLength(READ_MODEL_PROJECTORS.length);
      expect(before.checkpoints.every((c) => c.position === 0)).toBe(true);
      await readModels.acceptWrites();
      await runner.init();
      expect(await runner.catchUp()).toBe(head);
      const after = await everyReadModel(ds);
      expect(after.repos).toHaveLength(2);
      expect(after.jobs).toHaveLength(6);
      expect(after.tasks).toHaveLength(6);
      expect(after.checkpoints.every((c) => c.position === head)).toBe(true);
    });

    it('resumes from its checkpoint after a restart and applies nothing twice', async () => {
      await store.appendToStream(
        'repo-action-job-1',
        jobEvents(1).slice(0, 3),
        {
          expectedVersion: 'no_stream',
        },
      );
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
      await store.appendToStream(
        'repo-action-job-1',
        [aRepoActionRequested()],
        {
          expectedVersion: 'any',
        },
      );
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

    it('given two runners writing the same read models (one taking the projections over from another), then the stale one applies no event twice', async () => {
      // A fold that is not idempotent: each event applied adds one to `progressDone`.
      const counting: Projector<JobRow, JobEvent['type'], EntityManager> = {
        projection: {
          ...jobProjection,
          evolve: (row, event) => {
            const next = jobProjection.evolve(row, event);
            return (
              next && { ...next, progressDone: (row?.progressDone ?? 0) + 1 }
            );
          },
        },
        writer: jobWriter,
      };
      for (const n of [1, 2, 3])
        await store.appendToStream(`repo-action-job-${n}`, jobEvents(n), {
          expectedVersion: 'no_stream',
        });
      const head = await store.headPosition();
      const runners = [1, 2].map(
        () => new ProjectionRunner(store, ds, [counting], { batchSize: 4 }),
      );
      // Both read their checkpoint; the first writes everything; the second, stale, then
      // finds the checkpoint moved under it at its first batch.
      for (const runner of runners) await runner.init();
      expect(await runners[0]!.catchUp()).toBe(head);
      expect(await runners[1]!.catchUp()).toBe(head);

      expect((await jobRows(ds)).map((r) => [r.jobId, r.progressDone])).toEqual(
        [
          ['job-1', 5],
          ['job-2', 5],
          ['job-3', 5],
        ],
      );
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
      expect(
        (await ds.manager.find(ProjectionCheckpointEntity)).map((c) => [
          c.name,
          c.position,
        ]),
      ).toEqual([[jobProjection.name, 0]]);

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
}
