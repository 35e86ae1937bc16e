import type { Branch, Repo, RepoList } from '../api.types';
import type { Colors } from './colors';

const short = (sha: string | null) =>
  sha === null ? '(not fetched)' : sha.slice(0, 7);

/** The org's repos, one line each: name, id, trunk, tracked branches, remote. */
export function repoListLines(list: RepoList, c: Colors): string[] {
  if (list.items.length === 0) return ['no repos registered yet'];
  const width = Math.max(...list.items.map((r) => r.name.length));
  return list.items.map(
    (r) =>
      `${c.bold(r.name.padEnd(width))}  ${c.dim(r.repoId)}  ${r.trunk}  ${r.branches.length} tracked  ${c.dim(r.remoteUrl)}`,
  );
}

/**
 * A repo's stack as a tree from its trunk: each branch under its parent, with its short
 * head and whether it needs a restack; then the remote branches not tracked yet. A branch
 * whose parent is neither trunk nor tracked hangs under that parent's name as a root.
 */
export function stackTreeLines(repo: Repo, c: Colors): string[] {
  const lines = [
    `${c.bold(repo.name)}  ${c.dim(`repo ${repo.repoId}`)}`,
    `${c.dim('remote')}  ${repo.remoteUrl}`,
    '',
  ];
  const children = new Map<string, Branch[]>();
  for (const b of repo.branches) {
    const list = children.get(b.parent) ?? [];
    list.push(b);
    children.set(b.parent, list);
  }
  const tracked = new Set(repo.branches.map((b) => b.name));
  const seen = new Set<string>();
  const walk = (parent: string, indent: string) => {
    const kids = children.get(parent) ?? [];
    kids.forEach((b, i) => {
      if (seen.has(b.name)) return;
      seen.add(b.name);
      const last = i === kids.length - 1;
      const flag = b.needsRestack ? `  ${c.yellow('needs restack')}` : '';
      lines.push(
        `${indent}${last ? '└── ' : '├── '}${b.name}  ${c.dim(short(b.sha))}${flag}`,
      );
      walk(b.name, indent + (last ? '    ' : '│   '));
    });
  };
  lines.push(`${c.bold(repo.trunk)}  ${c.dim(short(repo.trunkSha))}`);
  walk(repo.trunk, '');
  for (const root of children.keys()) {
    if (root === repo.trunk || tracked.has(root)) continue;
    lines.push(`${root}  ${c.dim('(not tracked)')}`);
    walk(root, '');
  }
  if (repo.branches.length === 0) lines.push(c.dim('  no tracked branches'));
  const untracked = repo.untrackedBranches ?? [];
  if (untracked.length > 0) {
    lines.push('', 'untracked remote branches:');
    for (const b of untracked)
      lines.push(`  ${b.name}  ${c.dim(short(b.sha))}`);
  }
  return lines;
}
