import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryPageResource } from '../../../src/read-models/history/history.resource';
import type { JobResource } from '../../../src/read-models/job/job.resource';
import type { RepoResource } from '../../../src/read-models/repo/repo.resource';
import type { CrashRun } from './crash-lab';
import { type FaultService, rebuildReadModels } from './fault-service';
import { settledProcessesIn } from './processes';
import { refsOf, shapesOf } from './stack-origin';
import { integrityOf, rowsOf } from './store-files';

/** The read models a rebuild must give back exactly, with each table's key. */
const READ_MODEL_TABLES: ReadonlyArray<[table: string, key: string]> = [
  ['jobs', 'jobId'],
  ['repos', 'repoId'],
  ['history', 'position'],
  ['tasks', 'taskId'],
];

const STACK_EVENTS = new Set([
  'BranchTracked',
  'BranchReparented',
  'BranchRestacked',
  'BranchUntracked',
]);

/**
 * Everything that must hold once a crashed service has been started again: call it with
 * the restarted service and every job that got a 202 since the run began, in request order.
 * The run's jobs restack the whole stack between them (trunk moved once), so together they
 * must have restacked every branch exactly once; a job on another repo registered in the
 * run (with the same origin, tracking nothing) restacks nothing, and must have ended before
 * the restack was requested. It ends with `expectStoppedCleanly`, which stops the service.
 */
export async function expectRecovered(
  run: CrashRun,
  service: FaultService,
  accepted: readonly string[],
): Promise<void> {
  const { world } = run;

  // Every 202 reaches a final status; on this conflict-free stack, `completed`.
  const read = readerAfter(
    service,
    await expectEnded(service, accepted, 'RepoActionCompleted'),
  );
  const jobs = await Promise.all(
    accepted.map((id) => read<JobResource>(`/jobs/${id}`)),
  );
  const repoIds = [...new Set([run.repoId, ...jobs.map((j) => j.repoId)])];
  const overviews = new Map<string, RepoResource>();
  const histories = new Map<string, HistoryPageResource['items']>();
  for (const repoId of repoIds) {
    overviews.set(repoId, await read<RepoResource>(`/repos/${repoId}`));
    histories.set(repoId, await historyOf(read, repoId));
  }

  // The remote's branches are where `git rebase` puts them, and nothing else moved.
  const remote = refsOf(run.origin);
  expect(Object.keys(remote).sort()).toEqual(
    [world.trunk, ...world.branches.map((b) => b.name)].sort(),
  );
  expect(remote[world.trunk]).toBe(world.heads[world.trunk]);
  expect(shapesOf(run.origin, world.branches, remote)).toEqual(world.oracle);

  // Each job, its history and the remote agree; each branch was restacked by one job, once.
  const restackedBy = new Map<string, string>();
  for (const job of jobs) {
    expect(job.status).toBe('completed');
    const own = histories.get(job.repoId)!.filter((h) => h.jobId === job.jobId);
    const count = (type: string) => own.filter((h) => h.type === type).length;
    expect({
      job: job.jobId,
      completed: count('RepoActionCompleted'),
      started: count('RepoActionStarted'),
    }).toEqual({
      job: job.jobId,
      completed: 1,
      started: job.attempt,
    });
    const restacks = own
      .filter((h) => h.type === 'BranchRestacked')
      .map((h) => h.data as { branch: string; fromSha: string; toSha: string });
    expect(restacks.map((r) => r.branch).sort()).toEqual(
      job.result!.changed.map((c) => c.branch).sort(),
    );
    for (const change of job.result!.changed) {
      expect(job.repoId).toBe(run.repoId);
      expect(restacks.find((r) => r.branch === change.branch)).toMatchObject(
        change,
      );
      expect(change.fromSha).toBe(world.heads[change.branch]);
      expect(change.toSha).toBe(remote[change.branch]);
      expect(restackedBy.has(change.branch)).toBe(false);
      restackedBy.set(change.branch, job.jobId);
    }
  }
  expect([...restackedBy.keys()].sort()).toEqual(
    world.branches.map((b) => b.name).sort(),
  );

  // The overviews say the same: the stack's repo has every branch on its parent's head as
  // the remote has it; a repo tracking nothing sees every branch as untracked.
  for (const [repoId, overview] of overviews) {
    const lastJob = jobs.filter((j) => j.repoId === repoId).at(-1)?.jobId;
    expect(overview.trunkSha).toBe(world.heads[world.trunk]);
    if (lastJob) expect(overview.lastJobId).toBe(lastJob);
    if (repoId === run.repoId) {
      expect(overview.untrackedBranches).toEqual([]);
      expect(overview.branches).toEqual(
        world.branches.map(({ name, parent }) => ({
          name,
          parent,
          sha: remote[name],
          needsRestack: false,
          taskId: world.tasks[name] ?? null,
          lastJobId: restackedBy.get(name),
        })),
      );
    } else {
      // Its jobs ended before the restack began (the caller waits for them), so its last
      // look at the remote saw the branches as they were when the run began.
      expect(overview.branches).toEqual([]);
      expect(overview.untrackedBranches).toEqual(
        world.branches.map(({ name }) => ({ name, sha: world.heads[name] })),
      );
    }
  }

  await expectStoppedCleanly(run, service, accepted);
}

/**
 * Awaits each job's final event and expects it to be `type` (with the event's data in the
 * failure message otherwise); returns the position of the last of them.
 */
export async function expectEnded(
  service: FaultService,
  accepted: readonly string[],
  type: 'RepoActionCompleted' | 'RepoActionFailed',
): Promise<number> {
  let head = 0;
  for (const jobId of accepted) {
    const end = await service.jobEnd(jobId);
    expect({
      jobId,
      end: end.type,
      ...(end.type === type ? {} : { data: end.data }),
    }).toEqual({ jobId, end: type });
    head = Math.max(head, end.position);
  }
  return head;
}

/** GETs from the read models once they include the event at `position`. */
export function readerAfter(
  service: FaultService,
  position: number,
): <T>(path: string) => Promise<T> {
  return <T>(path: string) =>
    service.get<T>(
      `${path}${path.includes('?') ? '&' : '?'}minPosition=${position}`,
    );
}

/**
 * What must hold of any run, whatever its jobs did: the service stops cleanly; no process it
 * (or a killed one before it) started is left; the store holds each stack event of a job
 * once and each accepted job's end once; both SQLite files pass `integrity_check`; and a
 * rebuild of every read model from a copy of the store gives exactly the live rows.
 */
export async function expectStoppedCleanly(
  run: CrashRun,
  service: FaultService,
  accepted: readonly string[],
): Promise<void> {
  const exit = await service.stop();
  expect({ exit, logs: exit.code === 0 ? '' : service.logs() }).toEqual({
    exit: { code: 0, signal: null },
    logs: '',
  });

  // Nothing the crashed service started (git, the wrapper) outlives the run.
  expect(await settledProcessesIn(run.dir)).toEqual([]);

  // The store holds each stack event of a job once (a re-run publish must not add another).
  const events = run.events();
  const stackEvents = events
    .filter((e) => STACK_EVENTS.has(e.type))
    .map((e) => `${e.type} ${String(e.data.branch)} by ${e.metadata.jobId}`);
  expect(stackEvents.filter((e, i) => stackEvents.indexOf(e) !== i)).toEqual(
    [],
  );
  for (const jobId of accepted) {
    const finals = events.filter(
      (e) =>
        e.streamId === `repo-action-${jobId}` &&
        [
          'RepoActionCompleted',
          'RepoActionFailed',
          'RepoActionCancelled',
        ].includes(e.type),
    );
    expect(finals).toHaveLength(1);
  }

  const eventsFile = join(run.dataDir, 'events.sqlite');
  const readModelsFile = join(run.dataDir, 'read-models.sqlite');
  expect(integrityOf(eventsFile)).toBe('ok');
  expect(integrityOf(readModelsFile)).toBe('ok');

  // Rebuilding every read model from the store gives back exactly the live rows.
  const copy = join(run.dir, 'rebuilt');
  mkdirSync(copy);
  for (const file of readdirSync(run.dataDir))
    if (file.endsWith('.sqlite') || file.includes('.sqlite-'))
      cpSync(join(run.dataDir, file), join(copy, file));
  const rebuilt = await rebuildReadModels(copy);
  expect(rebuilt).toMatchObject({ code: 0 });
  const rebuiltFile = join(copy, 'read-models.sqlite');
  for (const [table, key] of READ_MODEL_TABLES)
    expect({ table, rows: rowsOf(rebuiltFile, table, key) }).toEqual({
      table,
      rows: rowsOf(readModelsFile, table, key),
    });
  // A checkpoint's `updatedAt` is the wall-clock time its batch was written (not a fact from
  // the events), so a rebuild writes a later one; its position must be the same.
  const checkpoints = (file: string) =>
    rowsOf(file, 'projection_checkpoints', 'name').map(
      ({ name, position }) => ({ name, position }),
    );
  expect(checkpoints(rebuiltFile)).toEqual(checkpoints(readModelsFile));
  expect(integrityOf(rebuiltFile)).toBe('ok');
}

/** The whole timeline of a repo, oldest first, page by page. */
export async function historyOf(
  read: <T>(path: string) => Promise<T>,
  repoId: string,
): Promise<HistoryPageResource['items']> {
  const items: HistoryPageResource['items'] = [];
  let before: number | null | undefined;
  do {
    const page = await read<HistoryPageResource>(
      `/repos/${repoId}/history?limit=200${before ? `&before=${before}` : ''}`,
    );
    items.push(...page.items);
    before = page.nextBefore;
  } while (before);
  return items.reverse();
}
