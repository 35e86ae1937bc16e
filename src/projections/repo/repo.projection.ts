import type { HookOutcome } from '../../domain/events/hook.events';
import { REPO_EVENT_TYPES } from '../../domain/events/repo.events';
import { eventKind } from '../../domain/events/stackyard-event';
import { repoIdOfStream, taskIdOfStream } from '../../domain/streams';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.port';
import type { RepoBranchRow, RepoRow } from '../../read-models/repo/repo.row';
import type { Projection, ProjectedEvent } from '../projection';

/**
 * Every repo event, and from other streams the last job and the live task of a branch and
 * the last forge delivery.
 */
const REPO_OVERVIEW_EVENTS = eventKind([
  ...REPO_EVENT_TYPES,
  'RepoActionRequested',
  'TaskCreated',
  'TaskBranchAttachFailed',
  'WebhookDeliveryReceived',
]);

/** Outcomes of a push that moved a tracked branch (or trunk) other than by Stackyard. */
const MOVED_BY_PUSH: ReadonlySet<HookOutcome> = new Set([
  'sync_queued',
  'sync_coalesced',
  'restack_queued',
  'restack_coalesced',
  'branch_moved',
]);
type OverviewEventType = (typeof REPO_OVERVIEW_EVENTS.types)[number];

const byName = (a: { name: string }, b: { name: string }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** The stack overview per repo: trunk, tracked branches with parent and head, last jobs. */
export const repoProjection: Projection<RepoRow, OverviewEventType> = {
  name: 'repos',
  kind: REPO_OVERVIEW_EVENTS,
  keyOf(event) {
    if (
      event.type === 'RepoActionRequested' ||
      event.type === 'WebhookDeliveryReceived'
    )
      return event.data.repoId;
    if (taskIdOfStream(event.streamId) !== undefined)
      return event.metadata?.repoId;
    return repoIdOfStream(event.streamId);
  },
  evolve(row, event) {
    const at = event.metadata?.at ?? event.recordedAt;
    if (event.type === 'RepoRegistered') {
      if (row) return row;
      const d = event.data;
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
        webhookSecretSet: false,
        autoRestack: false,
        lastWebhook: null,
        position: event.globalPosition,
      };
    }
    if (!row) return row;
    return evolveRegistered(
      row,
      { ...row, updatedAt: at, position: event.globalPosition },
      event,
    );
  },
};

/** A registered repo's row after any event but its registration. */
function evolveRegistered(
  row: RepoRow,
  next: RepoRow,
  event: ProjectedEvent<Exclude<OverviewEventType, 'RepoRegistered'>>,
): RepoRow {
  const withBranch = (
    name: string,
    change: (b: RepoBranchRow) => RepoBranchRow,
  ): RepoRow => ({
    ...next,
    branches: row.branches.map((b) => (b.name === name ? change(b) : b)),
  });
  switch (event.type) {
    case 'RepoActionRequested': {
      const d = event.data;
      // A row made for this event, so set in place: a literal that opens with a spread of
      // a conditional is copied on V8's slow path, and every accepted action comes here.
      const changed = d.branchName
        ? withBranch(d.branchName, (b) => ({ ...b, lastJobId: d.jobId }))
        : next;
      changed.lastJobId = d.jobId;
      return changed;
    }
    case 'TaskCreated':
      return {
        ...next,
        tasks: { ...row.tasks, [event.data.branchName]: event.data.taskId },
      };
    case 'TaskBranchAttachFailed': {
      // A task that could not attach its branch leaves the branch free for another.
      const taskId = taskIdOfStream(event.streamId);
      return {
        ...next,
        tasks: Object.fromEntries(
          Object.entries(row.tasks).filter(([, id]) => id !== taskId),
        ),
      };
    }
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
            lastJobId: jobOf(event),
          },
        ].sort(byName),
      };
    }
    case 'BranchReparented':
      // What was observed held against the old parent.
      return withBranch(event.data.branch, (b) => ({
        ...unobserved(b),
        parent: event.data.to,
      }));
    case 'BranchRestacked': {
      const { branch, baseSha, fromSha, toSha, jobId } = event.data;
      // The branch is on `baseSha` now, which the recorded-base rule reads exactly. Children
      // were observed against the head it had: once it moved, only their bases can tell.
      const moved = fromSha !== toSha;
      return {
        ...next,
        branches: row.branches.map((b) =>
          b.name === branch
            ? { ...settled(b), baseSha, sha: toSha, lastJobId: jobId }
            : moved && b.parent === branch
              ? unobserved(b)
              : b,
        ),
      };
    }
    case 'BranchUntracked':
      return {
        ...next,
        branches: row.branches.filter((b) => b.name !== event.data.branch),
      };
    case 'RepoBranchesObserved': {
      const seen = new Map(event.data.branches.map((b) => [b.name, b]));
      return {
        ...next,
        trunkSha: event.data.trunkSha || null,
        branches: row.branches.map((b) => {
          const observed = seen.get(b.name);
          return {
            ...(observed ? settled(b) : unobserved(b)),
            sha: observed?.sha ?? b.sha,
            // Observations made before it was kept say nothing of it.
            ...(observed?.onParentHead !== undefined
              ? { onParentHead: observed.onParentHead }
              : {}),
          };
        }),
        remoteBranches: event.data.branches.map((b) => ({
          name: b.name,
          sha: b.sha,
          remoteSha: b.remoteSha,
        })),
      };
    }
    case 'RepoWebhookSecretSet':
      return { ...next, webhookSecretSet: true };
    case 'RepoWebhookSecretRemoved':
      return { ...next, webhookSecretSet: false };
    case 'RepoAutoRestackSet':
      return { ...next, autoRestack: event.data.autoRestack };
    case 'WebhookDeliveryReceived':
      return evolveDelivery(row, next, event);
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/**
 * A delivery is the repo's last one; a push that moved trunk or a tracked branch other than
 * by Stackyard gives it its new head, and its children (observed against the old one) are
 * read from their bases again: they need a restack. Forges do not promise to deliver pushes
 * in order, so a push moves the head only from where the row has it (`before` is the row's
 * head, or the row knows none). A branch keeps the last push that came early (Y→Z while it
 * is at X) and moves on through it when the push leading to it (X→Y) comes: Z. Trunk needs
 * no such memory: every push to it queues a sync, whose observation sets its head.
 */
function evolveDelivery(
  row: RepoRow,
  next: RepoRow,
  event: ProjectedEvent<'WebhookDeliveryReceived'>,
): RepoRow {
  const { deliveryId, event: name, outcome, push, branch } = event.data;
  const withDelivery: RepoRow = {
    ...next,
    lastWebhook: {
      deliveryId,
      event: name,
      receivedAt: next.updatedAt,
      outcome,
    },
  };
  if (!push || branch === undefined || !MOVED_BY_PUSH.has(outcome))
    return withDelivery;
  const movesFrom = (sha: string | null | undefined) =>
    sha === null || sha === undefined || sha === push.before;
  if (branch === row.trunk) {
    if (!movesFrom(row.trunkSha)) return withDelivery;
    return {
      ...withDelivery,
      trunkSha: push.after,
      branches: row.branches.map((b) =>
        b.parent === branch ? unobserved(b) : b,
      ),
    };
  }
  const current = row.branches.find((b) => b.name === branch);
  if (!current) return withDelivery;
  if (!movesFrom(current.sha))
    return {
      ...withDelivery,
      branches: row.branches.map((b) =>
        b.name === branch
          ? { ...b, laterPush: { before: push.before, after: push.after } }
          : b,
      ),
    };
  const early = current.laterPush;
  const head = early?.before === push.after ? early.after : push.after;
  return {
    ...withDelivery,
    branches: row.branches.map((b) =>
      b.name === branch
        ? { ...settled(b), sha: head }
        : b.parent === branch
          ? unobserved(b)
          : b,
    ),
  };
}

/** The branch whose head is known now: nothing observed of it holds, no early push waits. */
function settled(branch: RepoBranchRow): RepoBranchRow {
  const { laterPush: _dropped, ...rest } = unobserved(branch);
  return rest;
}

/** The branch without what an observation said of its place on its parent. */
function unobserved(branch: RepoBranchRow): RepoBranchRow {
  const { onParentHead: _dropped, ...rest } = branch;
  return rest;
}

function jobOf(event: RecordedEvent): string | null {
  return event.metadata?.jobId ?? null;
}
