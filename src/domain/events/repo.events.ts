import type { Event } from '../message';

/** Events of the `repo-<repoId>` stream: the repository and its stack metadata. */

export type RepoRegistered = Event<
  'RepoRegistered',
  {
    repoId: string;
    orgId: string;
    name: string;
    remoteUrl: string;
    trunk: string;
  }
>;

export type BranchTracked = Event<
  'BranchTracked',
  { branch: string; parent: string; baseSha: string }
>;

export type BranchReparented = Event<
  'BranchReparented',
  { branch: string; from: string; to: string }
>;

/**
 * The branch is based on `baseSha`, its parent's head, and its head went from `fromSha` to
 * `toSha`. Equal heads record a base without moving the branch: a replay that changed
 * nothing, or a branch found on its parent's head already.
 */
export type BranchRestacked = Event<
  'BranchRestacked',
  {
    branch: string;
    baseSha: string;
    fromSha: string;
    toSha: string;
    jobId: string;
  }
>;

export type BranchUntracked = Event<
  'BranchUntracked',
  { branch: string; reason: string }
>;

export interface ObservedBranch {
  name: string;
  sha: string;
  remoteSha: string | null;
  /**
   * For a tracked branch, whether its remote head sat on its parent's remote head (their
   * merge-base was the parent's head) when observed, against the parent the stack named then.
   * Absent for untracked branches, for a branch whose parent the remote lacked, and in
   * observations recorded before it was kept.
   */
  onParentHead?: boolean;
}

export type RepoBranchesObserved = Event<
  'RepoBranchesObserved',
  {
    trunk: string;
    trunkSha: string;
    branches: ObservedBranch[];
    observedAt: string;
  }
>;

/**
 * The repo's inbound webhook secret, sealed (see `SecretBox`, context `repo-webhook:<repoId>`):
 * set or replaced. Readers strip `sealedSecret` before anything leaves the service.
 */
export type RepoWebhookSecretSet = Event<
  'RepoWebhookSecretSet',
  { sealedSecret: string }
>;

/** The repo has no webhook secret any more: its hooks are refused. */
export type RepoWebhookSecretRemoved = Event<
  'RepoWebhookSecretRemoved',
  Record<string, never>
>;

/** Whether a foreign push to a tracked branch queues `restack_subtree` for it. */
export type RepoAutoRestackSet = Event<
  'RepoAutoRestackSet',
  { autoRestack: boolean }
>;

export type RepoEvent =
  | RepoRegistered
  | RepoWebhookSecretSet
  | RepoWebhookSecretRemoved
  | RepoAutoRestackSet
  | BranchTracked
  | BranchReparented
  | BranchRestacked
  | BranchUntracked
  | RepoBranchesObserved;

/** Every type of the repo stream. */
export const REPO_EVENT_TYPES = [
  'RepoRegistered',
  'BranchTracked',
  'BranchReparented',
  'BranchRestacked',
  'BranchUntracked',
  'RepoBranchesObserved',
  'RepoWebhookSecretSet',
  'RepoWebhookSecretRemoved',
  'RepoAutoRestackSet',
] as const satisfies readonly RepoEvent['type'][];
