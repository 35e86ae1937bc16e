import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { jobStream, repoStream } from '../src/domain/streams';
import type { EventToAppend } from '../src/infrastructure/event-store/event-store.port';
import { SqliteEventStore } from '../src/infrastructure/event-store/sqlite-event-store';
import { RepoDirectory } from '../src/infrastructure/repo-directory/repo-directory';
import { JobRunnerService } from '../src/sagas/job-runner/job-runner.service';
import { TaskAttachService } from '../src/sagas/task-attach.service';
import { TestApp } from './support/test-app';

const ORG = 'default';
const REPO = 'boot0000000000000000000000000000';
const FINISHED = 1500;
/** A remote that is not there: a job fails fast (retries wait 0 ms) and so ends. */
const REMOTE = 'file:///nonexistent/stackyard-boot-checkpoints.git';

const metadata = (jobId: string) => ({
  correlationId: jobId,
  actor: `org:${ORG}`,
  orgId: ORG,
  repoId: REPO,
  jobId,
  at: '2026-01-01T00:00:00.000Z',
});

const requested = (jobId: string): EventToAppend => ({
  type: 'RepoActionRequested',
  data: { jobId, orgId: ORG, repoId: REPO, action: 'sync_repo' },
  metadata: metadata(jobId),
});

/** Appends to the data dir's store while no service runs on it. */
async function withStore(
  dataDir: string,
  write: (store: SqliteEventStore) => Promise<unknown>,
): Promise<void> {
  const store = SqliteEventStore.open(join(dataDir, 'events.sqlite'));
  try {
    await write(store);
  } finally {
    await store.close();
  }
}

describe('a start on a long history', () => {
  let dataDir: string;
  let t: TestApp | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'stackyard-boot-'));
  });

  afterEach(async () => {
    await t?.close();
    t = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async () => {
    t = await TestApp.start(dataDir, { STACKYARD_RETRY_BASE_MS: '0' });
    return t;
  };

  const folded = (app: TestApp) => ({
    jobs: app.app.get(JobRunnerService).started?.folded,
    tasks: app.app.get(TaskAttachService).started?.folded,
    repos: app.app.get(RepoDirectory).started?.folded,
  });

  it('given many finished jobs and an unfinished one, when the service starts twice, then the second start folds only what came after the first, and the unfinished jobs of each run to their end', async () => {
    const unfinished = uuidv7();
    await withStore(dataDir, async (store) => {
      await store.appendToStream(
        repoStream(REPO),
        [
          {
            type: 'RepoRegistered',
            data: {
              repoId: REPO,
              orgId: ORG,
              name: 'boot',
              remoteUrl: REMOTE,
              trunk: 'main',
            },
            metadata: metadata(REPO),
          },
        ],
        { expectedVersion: 'no_stream' },
      );
      const jobs = Array.from({ length: FINISHED }, () => uuidv7());
      await Promise.all(
        jobs.map((jobId) =>
          store.appendToStream(
            jobStream(jobId),
            [
              requested(jobId),
              {
                type: 'RepoActionCancelled',
                data: {},
                metadata: metadata(jobId),
              },
            ],
            { expectedVersion: 'no_stream' },
          ),
        ),
      );
      await store.appendToStream(
        jobStream(unfinished),
        [requested(unfinished)],
        {
          expectedVersion: 'no_stream',
        },
      );
    });

    // The first start has no checkpoint: it folds every job event once.
    const first = await start();
    expect(folded(first)).toEqual({
      jobs: 2 * FINISHED + 1,
      tasks: FINISHED,
      repos: 1,
    });
    expect((await first.jobEnd(unfinished)).type).toBe('RepoActionFailed');
    await first.close();
    t = undefined;

    const later = uuidv7();
    await withStore(dataDir, (store) =>
      store.appendToStream(jobStream(later), [requested(later)], {
        expectedVersion: 'no_stream',
      }),
    );

    // The second reads from the checkpoints the first saved at its stop: the one request
    // since, and none of the finished jobs; the new job runs, the old one does not again.
    const second = await start();
    expect(folded(second)).toEqual({ jobs: 1, tasks: 0, repos: 0 });
    expect((await second.jobEnd(later)).type).toBe('RepoActionFailed');
    const old = await second.store.readStream(jobStream(unfinished));
    expect(old.filter((e) => e.type === 'RepoActionFailed')).toHaveLength(1);
  });
});
