import type { Event } from '../message';

/**
 * Events of the inbound forge webhooks: `hook-delivery-<repoId>-<deliveryId>` (one delivery,
 * its audit record and its dedupe key) and `hook-queue-<repoId>-<keyId>` (the jobs hooks
 * queued for one key of a repo, its sync or a branch's restack: what coalescing reads).
 */

/** The forges whose push hooks the service takes. */
export const HOOK_FORGES = ['github', 'gitlab'] as const;
export type HookForge = (typeof HOOK_FORGES)[number];

/**
 * What the service did with a delivery: `pong` (a ping); `sync_queued` / `sync_coalesced`
 * (a push to trunk queued a `sync_repo`, or found one still queued); `restack_queued` /
 * `restack_coalesced` (a foreign push to a tracked branch with `autoRestack` on, likewise
 * with `restack_subtree`); `branch_moved` (a foreign push to a tracked branch, `autoRestack`
 * off: the overview learns the new head); `own_publish` (the push is what Stackyard itself
 * last published there); `ignored` (a tag, an untracked or deleted branch).
 */
export const HOOK_OUTCOMES = [
  'pong',
  'sync_queued',
  'sync_coalesced',
  'restack_queued',
  'restack_coalesced',
  'branch_moved',
  'own_publish',
  'ignored',
] as const;
export type HookOutcome = (typeof HOOK_OUTCOMES)[number];

/** The part of a push that the service reads. */
export interface HookPush {
  ref: string;
  before: string;
  after: string;
  deleted: boolean;
}

/**
 * A verified delivery of a forge's hook and what came of it: its audit record. First recorded
 * expecting no stream, so a delivery id is taken once; recorded again (expecting the stream's
 * version) only when a redelivery finds the job of the last one failed or cancelled and is
 * decided again. `jobId` is the job it queued or coalesced into.
 */
export type WebhookDeliveryReceived = Event<
  'WebhookDeliveryReceived',
  {
    repoId: string;
    forge: HookForge;
    deliveryId: string;
    event: string;
    outcome: HookOutcome;
    push?: HookPush;
    /** For a push to a branch: the branch (`ref` without `refs/heads/`). */
    branch?: string;
    jobId?: string;
  }
>;

/** The jobs a hook may queue. */
export const HOOK_JOB_ACTIONS = ['sync_repo', 'restack_subtree'] as const;
export type HookJobAction = (typeof HOOK_JOB_ACTIONS)[number];

/**
 * A hook reserved job `jobId` for a repo, before the job's own stream records its request:
 * the coalescing of the next hooks of the same key (`sync_repo`, or `restack_subtree` of a
 * branch) reads the last one and its job's stream. A reservation whose request is missing
 * (a stop in between) gets it from the next hook of the key or the reservations follower.
 */
export type WebhookJobQueued = Event<
  'WebhookJobQueued',
  {
    jobId: string;
    action: HookJobAction;
    branchName?: string;
    deliveryId: string;
  }
>;

export type HookEvent = WebhookDeliveryReceived | WebhookJobQueued;

/** Every type of the hook streams. */
export const HOOK_EVENT_TYPES = [
  'WebhookDeliveryReceived',
  'WebhookJobQueued',
] as const satisfies readonly HookEvent['type'][];
