import { HOOK_OUTCOMES } from '../../domain/events/hook.events';
import { z } from 'zod';
import type { RepoRow } from './repo.row';

/** A tracked branch in the stack overview. */
export const BranchResource = z
  .strictObject({
    name: z.string(),
    parent: z.string(),
    sha: z.string().nullable().meta({
      description: 'The head last seen; null before any fetch or restack.',
    }),
    needsRestack: z.boolean().meta({
      description:
        "The branch is not based on its parent's head (as last seen): a restack would move it.",
    }),
    taskId: z.string().nullable(),
    lastJobId: z.string().nullable(),
  })
  .meta({ id: 'Branch' });
/** A tracked branch as the API answers it. */
export type BranchResource = z.infer<typeof BranchResource>;

/** A remote branch the stack does not track yet. */
export const UntrackedBranchResource = z
  .strictObject({ name: z.string(), sha: z.string() })
  .meta({ id: 'UntrackedBranch' });
/** An untracked remote branch as the API answers it. */
export type UntrackedBranchResource = z.infer<typeof UntrackedBranchResource>;

/** The last forge delivery a repo received. */
export const RepoWebhookResource = z
  .strictObject({
    deliveryId: z.string().meta({
      description: "The forge's delivery id (`X-GitHub-Delivery`).",
    }),
    event: z
      .string()
      .meta({ description: "The forge's event: `push`, `ping`." }),
    receivedAt: z.iso.datetime(),
    outcome: z.enum(HOOK_OUTCOMES).meta({
      description:
        'What came of it: `pong`; `sync_queued` or `sync_coalesced` (a push to trunk queued a `sync_repo`, or one was still queued); `restack_queued` or `restack_coalesced` (a foreign push to a tracked branch with `autoRestack` on); `branch_moved` (a foreign push to a tracked branch: its children need a restack); `own_publish` (what Stackyard itself last published there); `ignored` (a tag, an untracked or deleted branch).',
    }),
  })
  .meta({ id: 'RepoWebhook' });

const repoFields = {
  repoId: z.string(),
  name: z.string(),
  remoteUrl: z.string(),
  trunk: z.string(),
  trunkSha: z.string().nullable(),
  updatedAt: z.iso.datetime(),
  lastJobId: z.string().nullable(),
  branches: z.array(BranchResource),
  untrackedBranches: z.array(UntrackedBranchResource).meta({
    description:
      'Remote branches not tracked yet (candidates for `register_existing_branch`).',
  }),
  webhookSecretSet: z.boolean().meta({
    description:
      'Whether the repo has a webhook secret, so that `POST /hooks/github/{repoId}` takes its deliveries. The secret itself is never answered.',
  }),
  autoRestack: z.boolean().meta({
    description:
      'Whether a push to a tracked branch that did not come from Stackyard queues `restack_subtree` for it.',
  }),
  lastWebhook: RepoWebhookResource.nullable().meta({
    description: 'The last forge delivery received; null before any.',
  }),
};

/** The repo resource of the API: the stack overview, from the cached projection. */
export const RepoResource = z
  .strictObject(repoFields)
  .meta({ id: 'Repo', description: 'A registered repo and its stack.' });
/** A repo as the API answers it. */
export type RepoResource = z.infer<typeof RepoResource>;

/** The answer to `POST /repos`: the repo with the job that clones it. */
export const RegisteredRepoResource = z
  .strictObject({
    ...repoFields,
    initialJobId: z.string().meta({
      description: 'The `sync_repo` job that clones the repo.',
    }),
  })
  .meta({ id: 'RegisteredRepo' });
/** The answer to `POST /repos`. */
export type RegisteredRepoResource = z.infer<typeof RegisteredRepoResource>;

/** The caller's org's repos. */
export const RepoListResource = z
  .strictObject({ items: z.array(RepoResource) })
  .meta({ id: 'RepoList' });
/** The answer to `GET /repos`. */
export type RepoListResource = z.infer<typeof RepoListResource>;

/**
 * The overview from the cached projection, never from git. A branch needs a restack when its
 * merge-base with its parent is not the parent's head. The last observation says so per
 * branch, asked of git; when none has since the branch or its parent last moved (or the row
 * was observed before it was kept), the merge-base is taken to be the base the branch was
 * last tracked or restacked onto, compared with the parent's head as last seen.
 */
export function toRepoResource(row: RepoRow): RepoResource {
  const heads = new Map<string, string | null>(
    row.branches.map((b) => [b.name, b.sha]),
  );
  heads.set(row.trunk, row.trunkSha);
  const tracked = new Set(row.branches.map((b) => b.name));
  return {
    repoId: row.repoId,
    name: row.name,
    remoteUrl: row.remoteUrl,
    trunk: row.trunk,
    trunkSha: row.trunkSha,
    updatedAt: row.updatedAt,
    lastJobId: row.lastJobId,
    branches: row.branches.map((b) => {
      const parentHead = heads.get(b.parent) ?? null;
      return {
        name: b.name,
        parent: b.parent,
        sha: b.sha,
        needsRestack:
          b.onParentHead !== undefined
            ? !b.onParentHead
            : parentHead !== null && parentHead !== b.baseSha,
        taskId: row.tasks?.[b.name] ?? null,
        lastJobId: b.lastJobId,
      };
    }),
    untrackedBranches: row.remoteBranches
      .filter((b) => b.name !== row.trunk && !tracked.has(b.name))
      .map((b) => ({ name: b.name, sha: b.sha })),
    // Rows read before the migration's defaults or a refold may lack them.
    webhookSecretSet: Boolean(row.webhookSecretSet),
    autoRestack: Boolean(row.autoRestack),
    lastWebhook: row.lastWebhook ?? null,
  };
}
