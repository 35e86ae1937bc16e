import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/infrastructure/config/app-config';
import {
  EVENT_STORE,
  type EventStore,
} from '../src/infrastructure/event-store/event-store.port';
import { type SqliteEventStore } from '../src/infrastructure/event-store/sqlite-event-store';
import { openReadModelDataSource } from '../src/infrastructure/read-model-db/read-model-data-source';
import {
  openStorage,
  READ_MODELS_FILE,
} from '../src/infrastructure/storage/storage';
import { ProjectionRunnerService } from '../src/projections/projection-runner.service';
import { JobEntity } from '../src/read-models/job/job.entity';
import {
  aRepoActionCompleted,
  aRepoActionRequested,
  aRepoActionStarted,
} from './builders/job.builders';
import { READ_MODEL_SCHEMA } from '../src/read-models/read-model.schema';

const run = promisify(execFile);
const REBUILD = join(__dirname, '..', 'dist', 'src', 'rebuild-read-models.js');

async function readJobs(dataDir: string): Promise<JobEntity[]> {
  const ds = await openReadModelDataSource(
    join(dataDir, READ_MODELS_FILE),
    READ_MODEL_SCHEMA,
  );
  try {
    return await ds.manager.find(JobEntity, { order: { jobId: 'ASC' } });
  } finally {
    await ds.destroy();
  }
}

describe('the app on real storage', () => {
  let dataDir: string;
  let app: NestFastifyApplication;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'stackyard-app-'));
    const config = {
      ...loadConfig({ STACKYARD_DATA_DIR: dataDir }),
      logLevel: 'warn' as const,
    };
    app = await createApp(
      config,
      await openStorage(dataDir, READ_MODEL_SCHEMA),
    );
    await app.listen(0, '127.0.0.1');
  });

  afterEach(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('projects appended events live, and the rebuild command reproduces the rows', async () => {
    const store = app.get<EventStore>(EVENT_STORE);
    for (let n = 0; n < 25; n++) {
      const jobId = `job-${String(n).padStart(2, '0')}`;
      await store.appendToStream(
        `repo-action-${jobId}`,
        [
          aRepoActionRequested({ jobId }),
          aRepoActionStarted(),
          aRepoActionCompleted(),
        ],
        { expectedVersion: 'no_stream' },
      );
    }
    const head = await store.headPosition();
    await app.get(ProjectionRunnerService).runner.waitForPosition(head);
    const health = await fetch(`${await app.getUrl()}/health`);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      projections: { position: head, head, lag: 0 },
    });
    await app.close();

    const live = await readJobs(dataDir);
    expect(live).toHaveLength(25);
    expect(live.every((j) => j.status === 'completed')).toBe(true);

    const { stdout } = await run(process.execPath, [REBUILD], {
      env: { PATH: process.env.PATH, STACKYARD_DATA_DIR: dataDir },
    });
    expect(stdout).toMatch(/^rebuilt read models from 75 events in/);
    expect(await readJobs(dataDir)).toEqual(live);
  });

  it('closes the store only after the projection runner has stopped', async () => {
    const store = app.get<EventStore>(EVENT_STORE) as SqliteEventStore;
    await store.appendToStream(
      'repo-action-x',
      [aRepoActionRequested({ jobId: 'x' })],
      {
        expectedVersion: 'any',
      },
    );
    const runner = app.get(ProjectionRunnerService).runner;
    await runner.waitForPosition(1);
    await app.close();
    expect(runner.failure).toBeUndefined();
    await expect(store.headPosition()).rejects.toMatchObject({
      code: 'EVENT_STORE.CLOSED',
    });
  });
});
