import type { Branch, Repo } from './types.js';

/** A tracked branch with the branches stacked on it. */
export interface StackNode {
  branch: Branch;
  children: StackNode[];
}

const byName = (a: Branch, b: Branch) => a.name.localeCompare(b.name);

/**
 * The tracked branches as a tree under trunk, each under its parent, siblings by name. A
 * branch whose parent is not tracked (or whose parents loop, which the service should never
 * record) hangs under trunk, so that every branch is shown exactly once.
 */
export function stackTree(repo: Pick<Repo, 'trunk' | 'branches'>): StackNode[] {
  const nodes = new Map<string, StackNode>(
    repo.branches.map((b) => [b.name, { branch: b, children: [] }]),
  );
  const roots: StackNode[] = [];
  for (const branch of [...repo.branches].sort(byName)) {
    const node = nodes.get(branch.name)!;
    const parent = reachesTrunk(branch, nodes, repo.trunk)
      ? nodes.get(branch.parent)
      : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

function reachesTrunk(
  branch: Branch,
  nodes: ReadonlyMap<string, StackNode>,
  trunk: string,
): boolean {
  const seen = new Set<string>([branch.name]);
  let parent = branch.parent;
  while (parent !== trunk) {
    const node = nodes.get(parent);
    if (!node || seen.has(parent)) return false;
    seen.add(parent);
    parent = node.branch.parent;
  }
  return true;
}

/** Names of `branch` and every branch stacked above it. */
export function subtreeOf(repo: Pick<Repo, 'branches'>, branch: string) {
  const names = new Set([branch]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const b of repo.branches) {
      if (names.has(b.parent) && !names.has(b.name)) {
        names.add(b.name);
        grew = true;
      }
    }
  }
  return names;
}

/**
 * Where `branch` may be moved: trunk or any tracked branch outside its own subtree (moving
 * it onto its own child would make a loop). Without `branch`: every candidate parent.
 */
export function parentChoices(
  repo: Pick<Repo, 'trunk' | 'branches'>,
  branch?: string,
): string[] {
  const excluded = branch ? subtreeOf(repo, branch) : new Set<string>();
  const names = repo.branches
    .map((b) => b.name)
    .filter((n) => !excluded.has(n))
    .sort((a, b) => a.localeCompare(b));
  return [repo.trunk, ...names];
}

/** Branch names a task can be created on: tracked ones and remote ones not tracked yet. */
export function taskBranchNames(repo: Repo): string[] {
  const names = new Set(repo.branches.map((b) => b.name));
  for (const b of repo.untrackedBranches ?? []) names.add(b.name);
  return [...names].sort((a, b) => a.localeCompare(b));
}
