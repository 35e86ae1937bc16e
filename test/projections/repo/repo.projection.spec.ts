import type { JobEvent } from '../../../src/domain/events/job.events';
import type { RepoEvent } from '../../../src/domain/events/repo.events';
import type { TaskEvent } from '../../../src/domain/events/task.events';
import { jobStream, repoStream, taskStream } from '../../../src/domain/streams';
import type { RecordedEvent } from '../../../src/infrastructure/event-store/event-store.port';
import { foldRow } from '../../../src/projections/projection';
import { repoProjection } from '../../../src/projections/repo/repo.projection';
import { aRepoActionRequested } from '../../builders/job.builders';
import { aRecordedHistory } from '../../builders/recorded.builders';
import {
  aBranchReparented,
  aBranchRestacked,
  aBranchTracked,
  aBranchUntracked,
  aRepoBranchesObserved,
  aRepoRegistered,
  aRepoRow,
  anObservedBranch,
  sha,
} from '../../builders/repo.builders';
import {
  aTaskBranchAttached,
  aTaskBranchAttachFailed,
  aTaskBranchAttachRequested,
  aTaskCreated,
} from '../../builders/task.builders';
import { evolveRecorded } from '../../support/evolve-recorded';

const REPO = repoStream('repo-1');
const OWNED = { orgId: 'org-1', repoId: 'repo-1' };

/**
 * A repo's history across its streams: events of the repo stream (by a job when `jobId` is
 * given), of its jobs and of its tasks, in the order they are recorded.
 */
function aRepoHistory() {
  const history = aRecordedHistory();
  const registered = history.append(REPO, [aRepoRegistered()], OWNED);
  return {
    registered: registered[0]!,
    repo: <E extends RepoEvent>(events: readonly E[], jobId?: string) =>
      history.append(REPO, events, {
        ...OWNED,
        ...(jobId !== undefined ? { jobId } : {}),
      }),
    job: <E extends JobEvent>(jobId: string, events: readonly E[]) =>
      history.append(jobStream(jobId), events, { ...OWNED, jobId }),
    task: <E extends TaskEvent>(taskId: string, events: readonly E[]) =>
      history.append(taskStream(taskId), events, OWNED),
    row: () => foldRow(repoProjection, history.events),
    get events(): readonly RecordedEvent[] {
      return history.events;
    },
    get last(): RecordedEvent {
      return history.events.at(-1)!;
    },
  };
}

const T1 = sha('1');
const T2 = sha('2');
const A = sha('a');
const B = sha('b');

describe('repo projection', () => {
  describe('keyOf', () => {
    it('keys a repo event by the repo of its stream', () => {
      const { registered } = aRepoHistory();
      expect(repoProjection.keyOf(registered)).toBe('repo-1');
    });

    it('keys a job request by the repo it names', () => {
      const [requested] = aRepoHistory().job('job-1', [
        aRepoActionRequested({ repoId: 'repo-7' }),
      ]);
      expect(repoProjection.keyOf(requested!)).toBe('repo-7');
    });

    it('keys a task event by the repo in its metadata, and nothing without one', () => {
      const history = aRecordedHistory();
      const [owned] = history.append(
        taskStream('task-1'),
        [aTaskCreated()],
        OWNED,
      );
      const [unowned] = history.append(taskStream('task-2'), [
        aTaskBranchAttachFailed(),
      ]);
      expect(repoProjection.keyOf(owned!)).toBe('repo-1');
      expect(repoProjection.keyOf(unowned!)).toBeUndefined();
    });
  });

  describe('registration', () => {
    it('given a registration, then the repo has its overview with nothing in it yet', () => {
      const h = aRepoHistory();
      const { registered } = h;
      expect(h.row()).toEqual(
        aRepoRow({
          updatedAt: registered.recordedAt,
          position: registered.globalPosition,
        }),
      );
    });

    it('given a registration made at a time in its metadata, then that is when the row was updated', () => {
      const at = '2025-12-31T12:00:00.000Z';
      const recorded = aRecordedHistory().append(REPO, [aRepoRegistered()], {
        ...OWNED,
        at,
      });
      expect(foldRow(repoProjection, recorded)?.updatedAt).toBe(at);
    });

    it('given repo events before the registration, then there is no row', () => {
      const recorded = aRecordedHistory().append(
        REPO,
        [aBranchTracked(), aRepoBranchesObserved()],
        OWNED,
      );
      expect(foldRow(repoProjection, recorded)).toBeNull();
    });

    it('given a job request or a task of a repo not registered, then there is no row', () => {
      const history = aRecordedHistory();
      history.append(jobStream('job-1'), [aRepoActionRequested()], OWNED);
      history.append(taskStream('task-1'), [aTaskCreated()], OWNED);
      expect(foldRow(repoProjection, history.events)).toBeNull();
    });
  });

  describe('the stack', () => {
    it('given a branch tracked after an observation, then it has its parent, base, the head seen and the job that tracked it', () => {
      const h = aRepoHistory();
      h.repo([
        aRepoBranchesObserved({
          trunkSha: T1,
          branches: [
            anObservedBranch('feature-a', A),
            anObservedBranch('main', T1),
            anObservedBranch('other', B),
          ],
        }),
      ]);
      h.repo(
        [aBranchTracked({ branch: 'feature-a', parent: 'main', baseSha: T1 })],
        'job-1',
      );
      expect(h.row()).toMatchObject({
        trunkSha: T1,
        branches: [
          {
            name: 'feature-a',
            parent: 'main',
            baseSha: T1,
            sha: A,
            lastJobId: 'job-1',
          },
        ],
        remoteBranches: [
          { name: 'feature-a', sha: A, remoteSha: A },
          { name: 'main', sha: T1, remoteSha: T1 },
          { name: 'other', sha: B, remoteSha: B },
        ],
        updatedAt: h.last.recordedAt,
        position: h.last.globalPosition,
      });
    });

    it('given a branch tracked before any observation, then its head is unknown and no job tracked it', () => {
      const h = aRepoHistory();
      h.repo([aBranchTracked({ branch: 'feature-a' })]);
      expect(h.row()?.branches).toEqual([
        {
          name: 'feature-a',
          parent: 'main',
          baseSha: aBranchTracked().data.baseSha,
          sha: null,
          lastJobId: null,
        },
      ]);
    });

    it('given branches tracked in any order, then they are listed by name, and tracking one again replaces it', () => {
      const h = aRepoHistory();
      h.repo([
        aBranchTracked({ branch: 'zeta' }),
        aBranchTracked({ branch: 'alpha' }),
        aBranchTracked({ branch: 'mid', parent: 'alpha' }),
        aBranchTracked({ branch: 'mid', parent: 'zeta', baseSha: B }),
      ]);
      expect(
        h.row()?.branches.map((b) => [b.name, b.parent, b.baseSha]),
      ).toEqual([
        ['alpha', 'main', T1],
        ['mid', 'zeta', B],
        ['zeta', 'main', T1],
      ]);
    });

    it('given an observation, then the trunk and tracked heads follow it, and a branch it does not list keeps its head', () => {
      const h = aRepoHistory();
      h.repo([
        aRepoBranchesObserved({
          trunkSha: T1,
          branches: [
            anObservedBranch('feature-a', A),
            anObservedBranch('feature-b', A),
          ],
        }),
        aBranchTracked({ branch: 'feature-a' }),
        aBranchTracked({ branch: 'feature-b' }),
        aRepoBranchesObserved({
          trunkSha: T2,
          branches: [anObservedBranch('feature-a', B, null)],
        }),
      ]);
      expect(h.row()).toMatchObject({
        trunkSha: T2,
        branches: [
          { name: 'feature-a', sha: B },
          { name: 'feature-b', sha: A },
        ],
        remoteBranches: [{ name: 'feature-a', sha: B, remoteSha: null }],
      });
    });

    it('given an observation without a trunk head (an empty remote), then the trunk head is unknown', () => {
      const h = aRepoHistory();
      h.repo([aRepoBranchesObserved({ trunkSha: '', branches: [] })]);
      expect(h.row()?.trunkSha).toBeNull();
    });

    it('given the trunk moved and the branch restacked, then the branch has its new base, head and job', () => {
      const h = aRepoHistory();
      h.repo([
        aRepoBranchesObserved({
          trunkSha: T1,
          branches: [anObservedBranch('a', A)],
        }),
      ]);
      h.repo([aBranchTracked({ branch: 'a', parent: 'main', baseSha: T1 })]);
      h.repo([
        aRepoBranchesObserved({
          trunkSha: T2,
          branches: [anObservedBranch('a', A)],
        }),
      ]);
      expect(h.row()).toMatchObject({
        trunkSha: T2,
        branches: [{ name: 'a', baseSha: T1, sha: A }],
      });
      h.repo(
        [
          aBranchRestacked({
            branch: 'a',
            baseSha: T2,
            fromSha: A,
            toSha: B,
            jobId: 'job-2',
          }),
        ],
        'job-2',
      );
      expect(h.row()?.branches).toEqual([
        { name: 'a', parent: 'main', baseSha: T2, sha: B, lastJobId: 'job-2' },
      ]);
    });

    it('given a branch found on its parent’s head by a job, then its base is recorded and its head kept', () => {
      const h = aRepoHistory();
      h.repo([
        aRepoBranchesObserved({
          trunkSha: T2,
          branches: [anObservedBranch('a', A)],
        }),
        aBranchTracked({ branch: 'a', parent: 'main', baseSha: T1 }),
      ]);
      h.repo(
        [
          aBranchRestacked({
            branch: 'a',
            baseSha: T2,
            fromSha: A,
            toSha: A,
            jobId: 'job-2',
          }),
        ],
        'job-2',
      );
      expect(h.row()?.branches).toEqual([
        { name: 'a', parent: 'main', baseSha: T2, sha: A, lastJobId: 'job-2' },
      ]);
    });

    it('given a reparent and an untrack, then the stack follows them', () => {
      const h = aRepoHistory();
      h.repo([
        aBranchTracked({ branch: 'a', parent: 'main', baseSha: T1 }),
        aBranchTracked({ branch: 'b', parent: 'a', baseSha: A }),
        aBranchReparented({ branch: 'b', from: 'a', to: 'main' }),
        aBranchUntracked({ branch: 'a', reason: 'merged' }),
      ]);
      expect(h.row()?.branches.map((b) => [b.name, b.parent])).toEqual([
        ['b', 'main'],
      ]);
    });

    it('given changes to a branch it does not track, then the branches stay as they are', () => {
      const h = aRepoHistory();
      h.repo([aBranchTracked({ branch: 'a' })]);
      const before = h.row()!.branches;
      h.repo([
        aBranchReparented({ branch: 'ghost' }),
        aBranchRestacked({ branch: 'ghost' }),
        aBranchUntracked({ branch: 'ghost' }),
      ]);
      expect(h.row()?.branches).toEqual(before);
    });
  });

  describe('whether a branch is on its parent’s head', () => {
    /** main <- a <- b, both tracked, observed with what git said of each. */
    const observedStack = (onParentHead: { a?: boolean; b?: boolean }) => {
      const h = aRepoHistory();
      h.repo([
        aBranchTracked({ branch: 'a', parent: 'main', baseSha: T1 }),
        aBranchTracked({ branch: 'b', parent: 'a', baseSha: A }),
        aRepoBranchesObserved({
          trunkSha: T2,
          branches: [
            { ...anObservedBranch('a', A), onParentHead: onParentHead.a },
            { ...anObservedBranch('b', B), onParentHead: onParentHead.b },
            anObservedBranch('main', T2),
          ],
        }),
      ]);
      return h;
    };
    const flags = (h: ReturnType<typeof aRepoHistory>) =>
      h.row()?.branches.map((b) => [b.name, b.onParentHead]);

    it('given an observation that says so per tracked branch, then each row keeps it', () => {
      expect(flags(observedStack({ a: false, b: true }))).toEqual([
        ['a', false],
        ['b', true],
      ]);
    });

    it('given an observation made before it was kept, then the rows say nothing of it', () => {
      const h = observedStack({ a: true, b: true });
      h.repo([
        aRepoBranchesObserved({
          trunkSha: T2,
          branches: [anObservedBranch('a', A), anObservedBranch('b', B)],
        }),
      ]);
      expect(h.row()?.branches.map((b) => 'onParentHead' in b)).toEqual([
        false,
        false,
      ]);
    });

    it('given a branch restacked since, then neither it nor its children keep what was observed', () => {
      const h = observedStack({ a: false, b: true });
      h.repo([
        aBranchRestacked({ branch: 'a', baseSha: T2, fromSha: A, toSha: B }),
      ]);
      expect(flags(h)).toEqual([
        ['a', undefined],
        ['b', undefined],
      ]);
    });

    it('given a branch whose base alone was recorded since, then its children keep what was observed', () => {
      const h = observedStack({ a: false, b: true });
      h.repo([
        aBranchRestacked({ branch: 'a', baseSha: T2, fromSha: A, toSha: A }),
      ]);
      expect(flags(h)).toEqual([
        ['a', undefined],
        ['b', true],
      ]);
    });

    it('given a branch reparented since, then it does not keep what was observed against its old parent', () => {
      const h = observedStack({ a: true, b: true });
      h.repo([aBranchReparented({ branch: 'b', from: 'a', to: 'main' })]);
      expect(flags(h)).toEqual([
        ['a', true],
        ['b', undefined],
      ]);
    });

    it('given a later observation that does not list a branch, then it does not keep what an earlier one said', () => {
      const h = observedStack({ a: true, b: true });
      h.repo([
        aRepoBranchesObserved({
          trunkSha: T2,
          branches: [{ ...anObservedBranch('a', A), onParentHead: true }],
        }),
      ]);
      expect(flags(h)).toEqual([
        ['a', true],
        ['b', undefined],
      ]);
    });
  });

  describe('jobs', () => {
    it('given a job on a tracked branch, then it is the last job of the repo and of the branch', () => {
      const h = aRepoHistory();
      h.repo([
        aBranchTracked({ branch: 'a' }),
        aBranchTracked({ branch: 'b' }),
      ]);
      h.job('job-1', [
        aRepoActionRequested({
          jobId: 'job-1',
          action: 'rebase_branch',
          branchName: 'a',
        }),
      ]);
      const row = h.row();
      expect(row?.lastJobId).toBe('job-1');
      expect(row?.branches.map((b) => [b.name, b.lastJobId])).toEqual([
        ['a', 'job-1'],
        ['b', null],
      ]);
      expect(row?.position).toBe(h.last.globalPosition);
    });

    it('given a job on the whole repo or on an untracked branch, then only the repo’s last job changes', () => {
      const h = aRepoHistory();
      h.repo([aBranchTracked({ branch: 'a' })]);
      h.job('job-1', [aRepoActionRequested({ jobId: 'job-1' })]);
      h.job('job-2', [
        aRepoActionRequested({
          jobId: 'job-2',
          action: 'register_existing_branch',
          branchName: 'new',
        }),
      ]);
      expect(h.row()).toMatchObject({
        lastJobId: 'job-2',
        branches: [{ name: 'a', lastJobId: null }],
      });
    });
  });

  describe('tasks', () => {
    it('given a task created, then its branch links to it; given its attach failed, then the branch is free again', () => {
      const h = aRepoHistory();
      h.task('task-1', [aTaskCreated({ taskId: 'task-1' })]);
      expect(h.row()?.tasks).toEqual({ feature: 'task-1' });
      h.task('task-1', [
        aTaskBranchAttachRequested(),
        aTaskBranchAttachFailed(),
      ]);
      expect(h.row()?.tasks).toEqual({});
    });

    it('given a task attached, then its branch stays linked to it', () => {
      const h = aRepoHistory();
      h.task('task-1', [
        aTaskCreated({ taskId: 'task-1' }),
        aTaskBranchAttachRequested(),
        aTaskBranchAttached(),
      ]);
      expect(h.row()?.tasks).toEqual({ feature: 'task-1' });
    });

    it('given an attach failed, then only the branch of that task is freed', () => {
      const h = aRepoHistory();
      h.task('task-1', [aTaskCreated({ taskId: 'task-1', branchName: 'x' })]);
      h.task('task-2', [aTaskCreated({ taskId: 'task-2', branchName: 'y' })]);
      h.task('task-1', [aTaskBranchAttachFailed()]);
      expect(h.row()?.tasks).toEqual({ y: 'task-2' });
    });

    it('given the next task of a branch whose attach failed, then the branch links to the new task', () => {
      const h = aRepoHistory();
      h.task('task-1', [aTaskCreated({ taskId: 'task-1' })]);
      h.task('task-1', [aTaskBranchAttachFailed()]);
      h.task('task-2', [aTaskCreated({ taskId: 'task-2' })]);
      expect(h.row()?.tasks).toEqual({ feature: 'task-2' });
    });
  });

  describe('idempotence', () => {
    it('given a row, when its registration is folded again, then the row is the same', () => {
      const h = aRepoHistory();
      h.repo([aBranchTracked()]);
      const row = h.row();
      expect(evolveRecorded(repoProjection, row, h.registered)).toBe(row);
    });

    it('given each step of a repo’s history, when its last event is folded again, then the row does not change', () => {
      const h = aRepoHistory();
      h.repo([
        aRepoBranchesObserved({
          trunkSha: T1,
          branches: [anObservedBranch('a', A)],
        }),
        aBranchTracked({ branch: 'a' }),
        aBranchTracked({ branch: 'b', parent: 'a' }),
      ]);
      h.job('job-1', [
        aRepoActionRequested({
          jobId: 'job-1',
          action: 'rebase_branch',
          branchName: 'b',
        }),
      ]);
      h.repo([aBranchRestacked({ branch: 'b', jobId: 'job-1' })], 'job-1');
      h.repo([aBranchReparented({ branch: 'b', from: 'a', to: 'main' })]);
      h.task('task-1', [aTaskCreated({ branchName: 'a' })]);
      h.task('task-1', [aTaskBranchAttachFailed()]);
      h.repo([aBranchUntracked({ branch: 'a' })]);
      const { events } = h;
      for (let n = 1; n <= events.length; n++) {
        const row = foldRow(repoProjection, events.slice(0, n));
        expect(evolveRecorded(repoProjection, row, events[n - 1]!)).toEqual(
          row,
        );
      }
    });
  });
});
