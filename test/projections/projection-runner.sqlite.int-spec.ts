import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { repoStream, subscriptionStream } from '../../src/domain/streams';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store';
import { READ_MODEL_CHECKPOINT_PAGES } from '../../src/infrastructure/read-model-db/read-model-data-source';
import {
  sqliteConnection,
  sqliteRowTable,
} from '../../src/infrastructure/read-model-db/sqlite-row-table';
import type { HistoryRow } from '../../src/read-models/history/history.row';
import {
  type AnyProjector,
  ProjectionRunner,
} from '../../src/projections/projection-runner';
import { HISTORY_UPSERT } from '../../src/projections/history/history.writer';
import { READ_MODEL_PROJECTORS } from '../../src/projections/projectors';
import { HistoryEntity } from '../../src/read-models/history/history.entity';
import { JobEntity } from '../../src/read-models/job/job.entity';
import { RepoEntity } from '../../src/read-models/repo/repo.entity';
import { SubscriptionEntity } from '../../src/read-models/subscription/subscription.entity';
import { TaskEntity } from '../../src/read-models/task/task.entity';
import {
  aRepoAutoRestackSet,
  aRepoWebhookSecretSet,
  aWebhookDeliveryReceived,
} from '../builders/hook.builders';
import {
  aCancelRequested,
  aRepoActionCancelled,
  aRepoActionRequested,
  aRepoActionStarted,
} from '../builders/job.builders';
import {
  aSubscriptionCreated,
  aSubscriptionDeleted,
  aSubscriptionPaused,
  aSubscriptionResumed,
} from '../builders/subscription.builders';
import {
  openTestReadModels,
  type TestReadModels,
} from '../support/read-model-engines';
import { fillEveryReadModel } from './projection-runner.contract';

/** The same projectors without their SQLite statements: every batch through the manager. */
const THROUGH_MANAGER: readonly AnyProjector[] = READ_MODEL_PROJECTORS.map(
  ({ projection, writer }) => ({
    projection,
    writer: { load: writer.load, save: writer.save },
  }),
);

const rowsOf = async (ds: DataSource) => ({
  repos: await ds.manager.find(RepoEntity, { order: { repoId: 'ASC' } }),
  jobs: await ds.manager.find(JobEntity, { order: { jobId: 'ASC' } }),
  tasks: await ds.manager.find(TaskEntity, { order: { taskId: 'ASC' } }),
  history: await ds.manager.find(HistoryEntity, { order: { position: 'ASC' } }),
  subscriptions: await ds.manager.find(SubscriptionEntity, {
    order: { subscriptionId: 'ASC' },
  }),
});

/**
 * On a SQLite file the runner writes its batches by prepared statements on the connection,
 * in one synchronous transaction; these pin that path to the entity manager's.
 */
describe('ProjectionRunner on a SQLite file, by prepared statements', () => {
  let dir: string;
  let store: SqliteEventStore;
  const opened: TestReadModels[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stackyard-proj-sqlite-'));
    store = SqliteEventStore.open(join(dir, 'events.sqlite'));
  });

  afterEach(async () => {
    for (const readModels of opened.splice(0)) await readModels.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const readModels = async (): Promise<DataSource> => {
    const made = await openTestReadModels('sqlite');
    opened.push(made);
    return made.ds;
  };

  it('writes and reads back every read model exactly as the entity manager does', async () => {
    await fillEveryReadModel(store);
    const metadata = {
      orgId: 'org-1',
      repoId: 'repo-1',
      at: '2026-01-02T00:00:00.000Z',
    };
    await store.appendToStream(
      repoStream('repo-1'),
      [
        aRepoWebhookSecretSet(),
        aRepoAutoRestackSet({ autoRestack: true }),
        aWebhookDeliveryReceived(),
      ].map((e) => ({ ...e, metadata })),
      { expectedVersion: 'any' },
    );
    await store.appendToStream(
      'repo-action-job-cancelled',
      [
        aRepoActionRequested({ jobId: 'job-cancelled', repoId: 'repo-1' }),
        aRepoActionStarted(1),
        aCancelRequested(),
        aRepoActionCancelled(),
      ].map((e) => ({ ...e, metadata })),
      { expectedVersion: 'no_stream' },
    );
    for (const [n, events] of [
      [
        1,
        [
          aSubscriptionCreated({
            subscriptionId: 'sub-1',
            eventTypes: ['RepoActionCompleted'],
          }),
          aSubscriptionPaused(),
        ],
      ],
      [
        2,
        [
          aSubscriptionCreated({ subscriptionId: 'sub-2', repoId: 'repo-2' }),
          aSubscriptionPaused(),
          aSubscriptionResumed(),
        ],
      ],
      [
        3,
        [
          aSubscriptionCreated({ subscriptionId: 'sub-3' }),
          aSubscriptionDeleted(),
        ],
      ],
    ] as const)
      await store.appendToStream(
        subscriptionStream(`sub-${n}`),
        events.map((e) => ({ ...e, metadata: { orgId: 'org-1' } })),
        { expectedVersion: 'no_stream' },
      );
    const head = await store.headPosition();
    // Small batches: most rows are loaded back and changed by a later batch.
    const prepared = await readModels();
    const managed = await readModels();
    const byStatements = new ProjectionRunner(
      store,
      prepared,
      READ_MODEL_PROJECTORS,
      { batchSize: 3 },
    );
    const byManager = new ProjectionRunner(store, managed, THROUGH_MANAGER, {
      batchSize: 3,
    });
    await byStatements.init();
    await byManager.init();

    expect(await byStatements.catchUp()).toBe(head);
    expect(await byManager.catchUp()).toBe(head);

    const expected = await rowsOf(managed);
    expect(expected.jobs.some((j) => j.cancelRequested)).toBe(true);
    expect(
      expected.repos.some((r) => r.autoRestack && r.webhookSecretSet),
    ).toBe(true);
    expect(
      expected.subscriptions.map((s) => [s.subscriptionId, s.state]),
    ).toEqual([
      ['sub-1', 'paused'],
      ['sub-2', 'active'],
      ['sub-3', 'deleted'],
    ]);
    expect(await rowsOf(prepared)).toEqual(expected);
  });

  it('loads rows by an integer key from the text keys projections give', async () => {
    const ds = await readModels();
    const history = sqliteRowTable<HistoryRow>(
      ds,
      HistoryEntity,
      HISTORY_UPSERT,
    );
    const row: HistoryRow = {
      position: 5,
      orgId: 'org-1',
      repoId: 'repo-1',
      jobId: null,
      type: 'RepoRegistered',
      actor: null,
      at: '2026-01-01T00:00:00.000Z',
      data: { name: 'x' },
    };
    history.save(new Map([['5', row]]));

    expect([...history.load(['5', '6'])]).toEqual([['5', row]]);
    history.save(new Map([['5', null]]));
    expect(history.load(['5']).size).toBe(0);
  });

  it('has SQLite checkpoint the WAL every 200 pages instead of 1,000 (a checkpoint runs inside a projection batch)', async () => {
    const ds = await readModels();
    const connection = sqliteConnection(ds);
    expect(connection.pragma('wal_autocheckpoint', { simple: true })).toBe(
      READ_MODEL_CHECKPOINT_PAGES,
    );
    expect(READ_MODEL_CHECKPOINT_PAGES).toBeLessThan(1000);
  });

  it('writes no batch into a transaction another writer holds open on the connection', async () => {
    const ds = await readModels();
    const failed: string[] = [];
    let reportFailure!: () => void;
    const failure = new Promise<void>((resolve) => (reportFailure = resolve));
    const runner = new ProjectionRunner(store, ds, READ_MODEL_PROJECTORS, {
      retryBaseMs: 5,
      logger: {
        log: () => undefined,
        warn: () => undefined,
        error: (message) => {
          failed.push(message);
          reportFailure();
        },
      },
    });
    await runner.init();
    runner.start();
    const connection = sqliteConnection(ds);
    connection.exec('BEGIN');
    try {
      await fillEveryReadModel(store);
      const head = await store.headPosition();
      // A batch that joined the open transaction would be reported written here…
      // (and TypeORM's own would fail to begin and roll the open one back)
      await Promise.race([failure, runner.waitForPosition(head)]);
    } finally {
      // … and be undone with it.
      connection.exec('ROLLBACK');
    }
    await runner.waitForPosition(await store.headPosition());
    await runner.stop();

    expect(failed.length).toBeGreaterThan(0);
    const rows = await rowsOf(ds);
    expect(rows.jobs).toHaveLength(6);
    expect(rows.repos).toHaveLength(2);
  });
});
