import type { DataSource, EntityManager } from 'typeorm';
import { NotFoundError, ValidationError } from '../../src/domain/domain-error';
import { JOB_STATUSES } from '../../src/domain/job/job-status';
import { TASK_STATUSES } from '../../src/domain/task/task.state';
import { InMemoryEventStore } from '../../src/infrastructure/event-store/in-memory-event-store';
import { RepoDirectory } from '../../src/infrastructure/repo-directory/repo-directory';
import type { ProjectionWriter } from '../../src/projections/projection';
import { historyWriter } from '../../src/projections/history/history.writer';
import { jobWriter } from '../../src/projections/job/job.writer';
import { repoWriter } from '../../src/projections/repo/repo.writer';
import { taskWriter } from '../../src/projections/task/task.writer';
import { HistoryQueries } from '../../src/read-models/history/history.queries';
import type { HistoryRow } from '../../src/read-models/history/history.row';
import { JobQueries } from '../../src/read-models/job/job.queries';
import { toJobResource } from '../../src/read-models/job/job.resource';
import type { JobRow } from '../../src/read-models/job/job.row';
import type { ReadModelProgress } from '../../src/read-models/read-model-progress.port';
import { RepoQueries } from '../../src/read-models/repo/repo.queries';
import { toRepoResource } from '../../src/read-models/repo/repo.resource';
import type { RepoRow } from '../../src/read-models/repo/repo.row';
import { TaskQueries } from '../../src/read-models/task/task.queries';
import { toTaskResource } from '../../src/read-models/task/task.resource';
import type { TaskRow } from '../../src/read-models/task/task.row';
import { aRepoBranchRow, aRepoRow, sha } from '../builders/repo.builders';
import {
  openTestReadModels,
  type ReadModelEngine,
  type TestReadModels,
} from '../support/read-model-engines';

/**
 * Keys that sort differently by byte, by letter case and by a language's collation:
 * upper before lower case, punctuation, digits as text, letters beyond ASCII.
 */
const NAMES = [
  'alpha',
  'Alpha',
  'beta',
  'Beta',
  '_under',
  'a-b',
  'a_b',
  'ab',
  'Ärger',
  'arger',
  'zeta',
  'Zeta',
  '10',
  '9',
  'é',
  'e',
  'E',
  '~tilde',
] as const;

/** SQLite's BINARY order: UTF-8 bytes, which is code point order (not JS's UTF-16 order). */
const byBytes = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Beyond 32 bits, as a long-lived store's positions are. */
const FAR = 2 ** 32;

/** Three request times, so that many jobs and tasks tie on time and sort by id. */
const TIMES = [
  '2026-01-01T00:00:00.000Z',
  '2026-01-01T00:00:01.000Z',
  '2026-01-02T00:00:00.000Z',
];

const aJobRow = (i: number, jobId: string): JobRow => ({
  jobId,
  orgId: 'org-1',
  repoId: i % 4 === 3 ? 'repo-2' : 'repo-1',
  action: i % 2 === 0 ? 'restack_repo' : 'sync_repo',
  branchName: i % 3 === 0 ? null : `branch-${i}`,
  parentBranch: null,
  idempotencyKey: i % 5 === 0 ? `key-${i}` : null,
  taskId: null,
  undoOf: null,
  undoable: i % 2 === 0,
  status: JOB_STATUSES[i % JOB_STATUSES.length]!,
  step: i % 2 === 0 ? 'execute' : null,
  message: i % 2 === 0 ? `message ${jobId}` : null,
  progressDone: i % 3 === 0 ? null : i,
  progressTotal: i % 3 === 0 ? null : 2 * i,
  attempt: 1 + (i % 3),
  cancelRequested: i % 4 === 1,
  requestedAt: TIMES[i % TIMES.length]!,
  startedAt: i % 2 === 0 ? TIMES[2]! : null,
  finishedAt: null,
  updatedAt: TIMES[2]!,
  result:
    i % 5 === 2
      ? {
          changed: [{ branch: `b-${i}`, fromSha: sha('a'), toSha: sha('b') }],
        }
      : null,
  error:
    i % 5 === 3 ? { code: 'GIT.CONFLICT', message: `conflict ${jobId}` } : null,
  position: FAR + i,
});

const aTaskRow = (i: number, taskId: string): TaskRow => ({
  taskId,
  orgId: 'org-1',
  repoId: i % 4 === 3 ? 'repo-2' : 'repo-1',
  title: `Task ${taskId}`,
  branchName: `branch-${i}`,
  parentBranch: i % 2 === 0 ? 'main' : null,
  idempotencyKey: null,
  status: TASK_STATUSES[i % TASK_STATUSES.length]!,
  jobId: i % 2 === 0 ? `job-${i}` : null,
  headSha: i % 3 === 0 ? sha('c') : null,
  parent: i % 3 === 0 ? 'main' : null,
  error:
    i % 3 === 1 ? { code: 'GIT.UNKNOWN_BRANCH', message: 'no such' } : null,
  createdAt: TIMES[i % TIMES.length]!,
  updatedAt: TIMES[2]!,
  position: FAR + 100 + i,
});

const aHistoryRow = (i: number): HistoryRow => ({
  position: FAR + 7 * i,
  orgId: 'org-1',
  repoId: i % 3 === 0 ? 'repo-2' : 'repo-1',
  jobId: i % 2 === 0 ? `job-${i}` : null,
  type: i % 2 === 0 ? 'RepoActionRequested' : 'BranchTracked',
  actor: i % 4 === 0 ? 'org:org-1' : null,
  at: TIMES[i % TIMES.length]!,
  data: { n: i, nested: { list: [i, `${i}`], none: null, yes: true } },
});

/**
 * The history of two jobs of org-1 (job-a, job-b) and one of org-2 (job-c), interleaved:
 * each job's own events, and task events that name the job in their metadata.
 */
const JOB_HISTORY_TYPES = [
  'RepoActionRequested',
  'RepoActionStarted',
  'TaskBranchAttachRequested',
  'RepoActionStepStarted',
  'RepoActionStepCompleted',
  'RepoActionRetryScheduled',
  'RepoActionCompleted',
] as const;
const aJobHistoryRow = (i: number): HistoryRow => {
  const jobId = ['job-a', 'job-b', 'job-c'][i % 3]!;
  return {
    position: FAR + 1000 + 3 * i,
    orgId: jobId === 'job-c' ? 'org-2' : 'org-1',
    repoId: 'repo-1',
    jobId,
    type: JOB_HISTORY_TYPES[Math.floor(i / 3) % JOB_HISTORY_TYPES.length]!,
    actor: i < 3 ? 'org:org-1' : `worker:w-${i}`,
    at: TIMES[i % TIMES.length]!,
    data: { n: i },
  };
};

/** A projector that has caught up with everything. */
const caughtUp: ReadModelProgress = {
  position: 0,
  writer: true,
  failure: undefined,
  catchUpToHead: () => Promise.resolve(),
  reach: () => Promise.resolve(),
  lag: () => Promise.resolve({ position: 0, head: 0, lag: 0 }),
};

async function save<Row>(
  ds: DataSource,
  writer: ProjectionWriter<Row, EntityManager>,
  rows: ReadonlyArray<[string, Row]>,
): Promise<void> {
  await ds.transaction((tx) => writer.save(tx, new Map(rows)));
}

/** Every page of a paged read, following its cursor to the end. */
async function allPages<Item, Cursor>(
  read: (cursor: Cursor | undefined) => Promise<{
    items: Item[];
    next: Cursor | null;
  }>,
): Promise<Item[][]> {
  const pages: Item[][] = [];
  let cursor: Cursor | undefined;
  for (;;) {
    const page = await read(cursor);
    pages.push(page.items);
    if (page.next === null) return pages;
    cursor = page.next;
  }
}

/** The read side's queries on read models of `engine`: same answers on every engine. */
export function readModelQueriesContract(engine: ReadModelEngine): void {
  describe(`read-model queries on ${engine}`, () => {
    let db: TestReadModels;

    beforeEach(async () => {
      db = await openTestReadModels(engine);
    });

    afterEach(async () => {
      await db.close();
    });

    describe('jobs', () => {
      const jobs = NAMES.map((name, i) => aJobRow(i, `job-${name}`));
      const newestFirst = (a: JobRow, b: JobRow) =>
        byBytes(b.requestedAt, a.requestedAt) || byBytes(b.jobId, a.jobId);
      let queries: JobQueries;

      beforeEach(async () => {
        await save(
          db.ds,
          jobWriter,
          jobs.map((j) => [j.jobId, j]),
        );
        queries = new JobQueries(db.ds, caughtUp);
      });

      it.each([1, 3, 50])(
        'pages through a repo’s jobs newest first, ties by job id in byte order, %i a page',
        async (limit) => {
          const pages = await allPages((cursor?: string) =>
            queries
              .list('repo-1', { limit, ...(cursor ? { cursor } : {}) })
              .then((p) => ({ items: p.items, next: p.nextCursor })),
          );

          const expected = jobs
            .filter((j) => j.repoId === 'repo-1')
            .sort(newestFirst);
          expect(pages.flat()).toEqual(expected.map(toJobResource));
          expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(
            true,
          );
        },
      );

      it.each(JOB_STATUSES)(
        'pages through the jobs of status %s alone',
        async (status) => {
          const pages = await allPages((cursor?: string) =>
            queries
              .list('repo-1', {
                status,
                limit: 2,
                ...(cursor ? { cursor } : {}),
              })
              .then((p) => ({ items: p.items, next: p.nextCursor })),
          );

          expect(pages.flat()).toEqual(
            jobs
              .filter((j) => j.repoId === 'repo-1' && j.status === status)
              .sort(newestFirst)
              .map(toJobResource),
          );
        },
      );

      it.each(['restack_repo', 'sync_repo'] as const)(
        'pages through the jobs of action %s alone, and of that action in one status',
        async (action) => {
          const read = (status?: (typeof JOB_STATUSES)[number]) =>
            allPages((cursor?: string) =>
              queries
                .list('repo-1', {
                  action,
                  ...(status ? { status } : {}),
                  limit: 2,
                  ...(cursor ? { cursor } : {}),
                })
                .then((p) => ({ items: p.items, next: p.nextCursor })),
            );
          const expected = (status?: string) =>
            jobs
              .filter(
                (j) =>
                  j.repoId === 'repo-1' &&
                  j.action === action &&
                  (status === undefined || j.status === status),
              )
              .sort(newestFirst)
              .map(toJobResource);

          expect((await read()).flat()).toEqual(expected());
          expect(expected().length).toBeGreaterThan(2);
          for (const status of JOB_STATUSES)
            expect((await read(status)).flat()).toEqual(expected(status));
          expect(
            await queries.list('repo-1', { action: 'rebase_branch', limit: 5 }),
          ).toEqual({
            items: [],
            nextCursor: null,
          });
        },
      );

      it('gets a job of its org only, and refuses a cursor it never gave out', async () => {
        const job = jobs.find((j) => j.cancelRequested && j.result === null)!;

        expect(await queries.get('org-1', job.jobId)).toEqual(
          toJobResource(job),
        );
        await expect(queries.get('org-2', job.jobId)).rejects.toThrow(
          NotFoundError,
        );
        await expect(
          queries.get('org-1', job.jobId.toUpperCase()),
        ).rejects.toThrow(NotFoundError);
        await expect(
          queries.list('repo-1', { limit: 5, cursor: 'not-a-cursor' }),
        ).rejects.toThrow(ValidationError);
      });
    });

    describe('history', () => {
      const rows = Array.from({ length: 20 }, (_, i) => aHistoryRow(i));
      let queries: HistoryQueries;

      beforeEach(async () => {
        await save(
          db.ds,
          historyWriter,
          rows.map((r) => [String(r.position), r]),
        );
        queries = new HistoryQueries(db.ds);
      });

      it.each([1, 4, 50])(
        'pages through a repo’s timeline newest first before each page’s last position, %i a page',
        async (limit) => {
          const pages = await allPages((before?: number) =>
            queries
              .list('repo-1', { limit, ...(before ? { before } : {}) }, 42)
              .then((p) => {
                expect(p.position).toBe(42);
                return { items: p.items, next: p.nextBefore };
              }),
          );

          expect(pages.flat()).toEqual(
            rows
              .filter((r) => r.repoId === 'repo-1')
              .sort((a, b) => b.position - a.position)
              .map(({ position, type, at, jobId, actor, data }) => ({
                position,
                type,
                at,
                jobId,
                actor,
                data,
              })),
          );
        },
      );

      describe("a job's events", () => {
        const history = Array.from({ length: 21 }, (_, i) => aJobHistoryRow(i));
        const entriesOf = (jobId: string) =>
          history
            .filter((r) => r.jobId === jobId && r.type.startsWith('RepoAction'))
            .map(({ position, type, at, actor, data }) => ({
              position,
              type,
              at,
              jobId,
              actor,
              data,
            }));

        beforeEach(async () => {
          await save(
            db.ds,
            historyWriter,
            history.map((r) => [String(r.position), r]),
          );
        });

        it.each([1, 2, 50])(
          'pages through the events of its own stream oldest first after each page’s last position, %i a page',
          async (limit) => {
            const pages = await allPages((after?: number) =>
              queries
                .ofJob(
                  'org-1',
                  'job-a',
                  { limit, ...(after !== undefined ? { after } : {}) },
                  42,
                )
                .then((p) => {
                  expect(p.position).toBe(42);
                  return { items: p.items, next: p.nextAfter };
                }),
            );

            expect(pages.flat()).toEqual(entriesOf('job-a'));
            expect(entriesOf('job-a')).toHaveLength(6);
            expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(
              true,
            );
          },
        );

        it('starts after the position given, and finds nothing of another org’s job', async () => {
          const all = entriesOf('job-b');
          const page = await queries.ofJob(
            'org-1',
            'job-b',
            { limit: 50, after: all[2]!.position },
            7,
          );
          expect(page).toEqual({
            items: all.slice(3),
            nextAfter: null,
            position: 7,
          });
          expect(
            (await queries.ofJob('org-1', 'job-c', { limit: 50 }, 7)).items,
          ).toEqual([]);
          expect(
            (await queries.ofJob('org-2', 'job-c', { limit: 50 }, 7)).items,
          ).toEqual(entriesOf('job-c'));
        });
      });
    });

    describe('repos', () => {
      const repos: RepoRow[] = [
        ...NAMES.map((name, i) =>
          aRepoRow({
            repoId: `repo-${i}`,
            name,
            trunkSha: i % 2 === 0 ? sha('1') : null,
            branches: [
              aRepoBranchRow({ name: 'feature-a', sha: sha('a') }),
              aRepoBranchRow({
                name: 'feature-b',
                parent: 'feature-a',
                sha: sha('b'),
                onParentHead: true,
              }),
            ],
            remoteBranches: [
              { name: 'feature-a', sha: sha('a'), remoteSha: sha('a') },
              { name: 'feature-b', sha: sha('b'), remoteSha: sha('9') },
            ],
            tasks: i % 2 === 0 ? { 'feature-a': `task-${i}` } : {},
            position: FAR + i,
          }),
        ),
        aRepoRow({ repoId: 'other-1', orgId: 'org-2', name: 'aaa' }),
        aRepoRow({ repoId: 'other-2', orgId: 'org-2', name: 'ALPHA' }),
      ];
      let queries: RepoQueries;

      beforeEach(async () => {
        await save(
          db.ds,
          repoWriter,
          repos.map((r) => [r.repoId, r]),
        );
        const directory = new RepoDirectory(new InMemoryEventStore());
        for (const r of repos)
          directory.add({
            repoId: r.repoId,
            orgId: r.orgId,
            name: r.name,
            remoteUrl: r.remoteUrl,
            trunk: r.trunk,
          });
        queries = new RepoQueries(db.ds, directory, caughtUp);
      });

      it('lists an org’s repos by name in byte order', async () => {
        expect(await queries.list('org-1')).toEqual(
          repos
            .filter((r) => r.orgId === 'org-1')
            .sort((a, b) => byBytes(a.name, b.name))
            .map(toRepoResource),
        );
        expect((await queries.list('org-2')).map((r) => r.name)).toEqual([
          'ALPHA',
          'aaa',
        ]);
      });

      it('gets a repo of its org only, and knows a branch the remote has as tracked', async () => {
        expect(await queries.get('org-1', 'repo-2')).toEqual(
          toRepoResource(repos[2]!),
        );
        await expect(queries.get('org-2', 'repo-2')).rejects.toThrow(
          NotFoundError,
        );
        expect(await queries.knownBranch('repo-2', 'feature-a')).toEqual({
          headSha: sha('a'),
          parent: 'main',
        });
        expect(
          await queries.knownBranch('repo-2', 'feature-b'),
        ).toBeUndefined();
        expect(
          await queries.knownBranch('repo-2', 'Feature-A'),
        ).toBeUndefined();
      });
    });

    describe('tasks', () => {
      const tasks = NAMES.map((name, i) => aTaskRow(i, `task-${name}`));
      // Keys that differ in letter case alone are different keys.
      tasks[0]!.idempotencyKey = 'key';
      tasks[1]!.idempotencyKey = 'Key';
      const newestFirst = (a: TaskRow, b: TaskRow) =>
        byBytes(b.createdAt, a.createdAt) || byBytes(b.taskId, a.taskId);
      let queries: TaskQueries;

      beforeEach(async () => {
        await save(
          db.ds,
          taskWriter,
          tasks.map((t) => [t.taskId, t]),
        );
        queries = new TaskQueries(db.ds, caughtUp);
      });

      it.each([1, 5, 50])(
        'lists a repo’s newest tasks first, ties by task id in byte order, at most %i',
        async (limit) => {
          expect(await queries.list('repo-1', { limit })).toEqual(
            tasks
              .filter((t) => t.repoId === 'repo-1')
              .sort(newestFirst)
              .slice(0, limit)
              .map(toTaskResource),
          );
        },
      );

      it.each(TASK_STATUSES)(
        'lists the tasks of status %s alone',
        async (status) => {
          expect(await queries.list('repo-1', { status, limit: 50 })).toEqual(
            tasks
              .filter((t) => t.repoId === 'repo-1' && t.status === status)
              .sort(newestFirst)
              .map(toTaskResource),
          );
        },
      );

      it('finds the task of an Idempotency-Key exactly as written, and gets a task of its org only', async () => {
        expect(await queries.keyHolder('repo-1', 'key')).toEqual({
          taskId: tasks[0]!.taskId,
          branchName: tasks[0]!.branchName,
        });
        expect(await queries.keyHolder('repo-1', 'Key')).toEqual({
          taskId: tasks[1]!.taskId,
          branchName: tasks[1]!.branchName,
        });
        expect(await queries.keyHolder('repo-1', 'KEY')).toBeUndefined();
        expect(await queries.keyHolder('repo-2', 'key')).toBeUndefined();

        expect(await queries.get('org-1', tasks[4]!.taskId)).toEqual(
          toTaskResource(tasks[4]!),
        );
        await expect(queries.get('org-2', tasks[4]!.taskId)).rejects.toThrow(
          NotFoundError,
        );
      });
    });
  });
}
