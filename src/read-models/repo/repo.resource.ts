import type { RepoRow } from './repo.row';

/** A tracked branch in the stack overview. */
export interface BranchResource {
  name: string;
  parent: string;
  sha: string | null;
  /** The branch is not based on its parent's head (as last seen): a restack would move it. */
  needsRestack: boolean;
  taskId: string | null;
  lastJobId: string | null;
}

/** The repo resource of the API (DESIGN.md "Resources"). */
export interface RepoResource {
  repoId: string;
  name: string;
  remoteUrl: string;
  trunk: string;
  trunkSha: string | null;
  updatedAt: string;
  lastJobId: string | null;
  /** Only in the answer to `POST /repos`: the `sync_repo` job that clones the repo. */
  initialJobId?: string;
  branches: BranchResource[];
  /** Remote branches not tracked yet (candidates for `register_existing_branch`). */
  untrackedBranches: Array<{ name: string; sha: string }>;
}

/**
 * The overview from the cached projection, never from git. Needs-restack is DESIGN.md's
 * `merge-base(parent, branch) != head(parent)` on recorded facts: the base a branch was
 * last tracked or restacked onto is its merge-base with the parent, so the branch needs a
 * restack exactly when that base is not the parent's head as last seen.
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
        needsRestack: parentHead !== null && parentHead !== b.baseSha,
        taskId: row.tasks?.[b.name] ?? null,
        lastJobId: b.lastJobId,
      };
    }),
    untrackedBranches: row.remoteBranches
      .filter((b) => b.name !== row.trunk && !tracked.has(b.name))
      .map((b) => ({ name: b.name, sha: b.sha })),
  };
}
