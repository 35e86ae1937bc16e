import type { RepoActionRequested } from '../../domain/events/job.events';
import type { RepoEvent } from '../../domain/events/repo.events';
import type { TaskCreated } from '../../domain/events/task.events';
import { JOB_STREAM_PREFIX } from '../../domain/streams';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';
import type { Projection } from '../projection';
import type { RepoBranchRow, RepoRow } from '../../read-models/repo/repo.row';

const REPO_STREAM_PREFIX = 'repo-';
const TASK_STREAM_PREFIX = 'task-';

const EVENT_TYPES: readonly string[] = [
  'RepoRegistered',
  'BranchTracked',
  'BranchReparented',
  'BranchRestacked',
  'BranchUntracked',
  'RepoBranchesObserved',
  'RepoActionRequested',
  'TaskCreated',
  'TaskBranchAttachFailed',
];

const byName = (a: { name: string }, b: { name: string }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** The stack overview per repo: trunk, tracked branches with parent and head, last jobs. */
export const repoProjection: Projection<RepoRow> = {
  name: 'repos',
  eventTypes: EVENT_TYPES,
  keyOf(event) {
    if (event.type === 'RepoActionRequested')
      return (event.data as RepoActionRequested['data']).repoId;
    if (event.streamId.startsWith(TASK_STREAM_PREFIX))
      return event.metadata?.repoId;
    return event.streamId.startsWith(REPO_STREAM_PREFIX) &&
      !event.streamId.startsWith(JOB_STREAM_PREFIX)
      ? event.streamId.slice(REPO_STREAM_PREFIX.length)
      : undefined;
  },
  evolve(row, recorded) {
    const at = recorded.metadata?.at ?? recorded.recordedAt;
    if (recorded.type === 'RepoRegistered') {
      if (row) return row;
      const d = (
        recorded as RecordedEvent & RepoEvent & { type: 'RepoRegistered' }
      ).data;
      return {
        repoId: d.repoId,
        orgId: d.orgId,
        name: d.name,
        remoteUrl: d.remoteUrl,
        trunk: d.trunk,
        trunkSha: null,
        updatedAt: at,
        lastJobId: null,
        branches: [],
        remoteBranches: [],
        tasks: {},
        position: recorded.globalPosition,
      };
    }
    if (!row) return row;
    const next = { ...row, updatedAt: at, position: recorded.globalPosition };
    const withBranch = (
      name: string,
      change: (b: RepoBranchRow) => RepoBranchRow,
    ): RepoRow => ({
      ...next,
      branches: row.branches.map((b) => (b.name === name ? change(b) : b)),
    });
    if (recorded.type === 'RepoActionRequested') {
      const d = recorded.data as RepoActionRequested['data'];
      const named = d.branchName;
      return {
        ...(named
          ? withBranch(named, (b) => ({ ...b, lastJobId: d.jobId }))
          : next),
        lastJobId: d.jobId,
      };
    }
    if (recorded.type === 'TaskCreated') {
      const d = recorded.data as TaskCreated['data'];
      return { ...next, tasks: { ...row.tasks, [d.branchName]: d.taskId } };
    }
    if (recorded.type === 'TaskBranchAttachFailed') {
      // A task that could not attach its branch leaves the branch free for another.
      const taskId = recorded.streamId.slice(TASK_STREAM_PREFIX.length);
      return {
        ...next,
        tasks: Object.fromEntries(
          Object.entries(row.tasks).filter(([, id]) => id !== taskId),
        ),
      };
    }
    const event = recorded as unknown as RepoEvent;
    switch (event.type) {
      case 'BranchTracked': {
        const { branch, parent, baseSha } = event.data;
        const seen = row.remoteBranches.find((b) => b.name === branch);
        const others = row.branches.filter((b) => b.name !== branch);
        return {
          ...next,
          branches: [
            ...others,
            {
              name: branch,
              parent,
              baseSha,
              sha: seen?.sha ?? null,
              lastJobId: jobOf(recorded),
            },
          ].sort(byName),
        };
      }
      case 'BranchReparented':
        return withBranch(event.data.branch, (b) => ({
          ...b,
          parent: event.data.to,
        }));
      case 'BranchRestacked':
        return withBranch(event.data.branch, (b) => ({
          ...b,
          baseSha: event.data.baseSha,
          sha: event.data.toSha,
          lastJobId: event.data.jobId,
        }));
      case 'BranchUntracked':
        return {
          ...next,
          branches: row.branches.filter((b) => b.name !== event.data.branch),
        };
      case 'RepoBranchesObserved': {
        const heads = new Map(event.data.branches.map((b) => [b.name, b.sha]));
        return {
          ...next,
          trunkSha: event.data.trunkSha || null,
          branches: row.branches.map((b) => ({
            ...b,
            sha: heads.get(b.name) ?? b.sha,
          })),
          remoteBranches: event.data.branches.map((b) => ({
            name: b.name,
            sha: b.sha,
            remoteSha: b.remoteSha,
          })),
        };
      }
      default:
        return row;
    }
  },
};

function jobOf(event: RecordedEvent): string | null {
  return event.metadata?.jobId ?? null;
}
