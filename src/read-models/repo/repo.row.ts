import type { HookOutcome } from '../../domain/events/hook.events';

/** A tracked branch as the overview keeps it. */
export interface RepoBranchRow {
  name: string;
  parent: string;
  /** The parent commit the branch was last based on (tracked or restacked onto). */
  baseSha: string;
  /** The branch head last seen (after a restack or a fetch), or null before any. */
  sha: string | null;
  lastJobId: string | null;
  /**
   * Whether the last observation found the branch on its parent's head (its merge-base with
   * the parent was the parent's head). Absent when no observation said so: before any (or in
   * rows observed before it was kept), and once an event moved the branch, its parent, or
   * the parent's head since; then the recorded base stands in for the merge-base.
   */
  onParentHead?: boolean;
  /**
   * A forge's push to the branch that came out of order (its `before` was not the head the
   * row had): kept until the push that leads to its `before` comes, which then moves the
   * branch on to its `after`. Dropped by an observation or a restack, which say the head.
   */
  laterPush?: { before: string; after: string };
}

/** The last forge delivery a repo received (see `WebhookDeliveryReceived`). */
export interface RepoWebhookRow {
  deliveryId: string;
  event: string;
  receivedAt: string;
  outcome: HookOutcome;
}

/** One repo's overview: everything `GET /repos/:repoId` answers, without asking git. */
export interface RepoRow {
  repoId: string;
  orgId: string;
  name: string;
  remoteUrl: string;
  trunk: string;
  trunkSha: string | null;
  updatedAt: string;
  lastJobId: string | null;
  branches: RepoBranchRow[];
  /**
   * Every remote branch at the last fetch: `sha` is our clone's head of it (the remote's when
   * we have none), `remoteSha` the remote's own head (absent in rows projected before it was kept).
   */
  remoteBranches: Array<{
    name: string;
    sha: string;
    remoteSha?: string | null;
  }>;
  /** The live task (pending or ready) of each branch that has one, by branch name. */
  tasks: Record<string, string>;
  /** Whether the repo has a webhook secret (the secret itself is in no read model). */
  webhookSecretSet: boolean;
  /** Whether a foreign push to a tracked branch queues `restack_subtree` for it. */
  autoRestack: boolean;
  lastWebhook: RepoWebhookRow | null;
  position: number;
}
