import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A tracked branch of the stack and the branch it sits on. */
export interface StackBranch {
  name: string;
  parent: string;
}

/**
 * One commit of a branch as a restack must leave it, without what a replay changes anyway
 * (its id, its parent's id, the committer): tree, author with date, message, and how many
 * parents it has.
 */
export type CommitShape = string;

/** Each branch's own commits, oldest first, above its parent's head; see `shapesOf`. */
export type StackShape = Record<string, CommitShape[]>;

/** Git in a closed environment with fixed identities and dates, for the test's own repos. */
export function runGit(cwd: string, args: readonly string[], tick = 0): string {
  const date = `${1_700_000_000 + tick * 60} +0000`;
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Ann Author',
      GIT_AUTHOR_EMAIL: 'ann@example.com',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_NAME: 'Ann Author',
      GIT_COMMITTER_EMAIL: 'ann@example.com',
      GIT_COMMITTER_DATE: date,
    },
  }).trim();
}

/**
 * A real bare origin holding a linear stack (trunk <- names[0] <- names[1] ...), each branch
 * with its own files so that no restack can conflict, and the work tree that pushes to it.
 */
export class StackOrigin {
  readonly origin: string;
  readonly work: string;
  readonly branches: StackBranch[];
  private tick = 0;

  constructor(
    readonly dir: string,
    names: readonly string[],
    readonly trunk = 'main',
    commitsPerBranch = 2,
  ) {
    this.origin = join(dir, 'origin.git');
    this.work = join(dir, 'work');
    runGit(dir, [
      'init',
      '--quiet',
      '--bare',
      `--initial-branch=${trunk}`,
      this.origin,
    ]);
    runGit(dir, ['init', '--quiet', `--initial-branch=${trunk}`, this.work]);
    this.w('remote', 'add', 'origin', this.origin);
    this.commit('README.md', '# stack\n', 'initial commit');
    this.w('push', '--quiet', 'origin', trunk);
    this.branches = [];
    let parent = trunk;
    for (const name of names) {
      this.w('checkout', '--quiet', '-B', name, parent);
      for (let i = 1; i <= commitsPerBranch; i++)
        this.commit(
          `${name}/file-${i}.txt`,
          `${name} ${i}\n`,
          `${name}: change ${i}`,
        );
      this.w('push', '--quiet', '--force', 'origin', name);
      this.branches.push({ name, parent });
      parent = name;
    }
  }

  /** Pushes one more commit to trunk, touching a file no branch touches. */
  advanceTrunk(): string {
    this.w('checkout', '--quiet', this.trunk);
    this.commit(
      `trunk-${this.tick}.txt`,
      `trunk ${this.tick}\n`,
      'trunk: advance',
    );
    this.w('push', '--quiet', 'origin', this.trunk);
    return this.head(this.trunk);
  }

  /** `refs/heads/*` of the origin, by branch name. */
  heads(): Record<string, string> {
    return refsOf(this.origin);
  }

  head(branch: string): string {
    return runGit(this.origin, ['rev-parse', `refs/heads/${branch}`]);
  }

  /**
   * The oracle: the same restack done by plain `git rebase --onto`, parent first, in a fresh
   * clone of the origin as it is now (in `dir`), described by `shapesOf`.
   */
  restackedByGit(dir: string): StackShape {
    runGit(this.dir, ['clone', '--quiet', this.origin, dir]);
    const oldHeads = this.heads();
    for (const { name } of this.branches)
      runGit(dir, ['branch', '--quiet', name, `origin/${name}`]);
    for (const { name, parent } of this.branches) {
      const onto = runGit(dir, ['rev-parse', `refs/heads/${parent}`]);
      runGit(
        dir,
        ['rebase', '--quiet', '--onto', onto, oldHeads[parent]!, name],
        ++this.tick,
      );
    }
    const heads = Object.fromEntries(
      [this.trunk, ...this.branches.map((b) => b.name)].map((name) => [
        name,
        runGit(dir, ['rev-parse', `refs/heads/${name}`]),
      ]),
    );
    return shapesOf(dir, this.branches, heads);
  }

  private commit(path: string, content: string, message: string): void {
    this.tick++;
    const file = join(this.work, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    this.w('add', '--', path);
    this.w('commit', '--quiet', '-m', message);
  }

  private w(...args: string[]): string {
    return runGit(this.work, args, this.tick);
  }
}

/** The refs under `prefix` (branches by default) of a repository, by short name. */
export function refsOf(
  gitDir: string,
  prefix = 'refs/heads/',
): Record<string, string> {
  const out = runGit(gitDir, [
    'for-each-ref',
    '--format=%(objectname) %(refname)',
    prefix,
  ]);
  return Object.fromEntries(
    out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [sha, name] = line.split(' ');
        return [name!.slice(prefix.length), sha!];
      }),
  );
}

/**
 * Each branch's own commits, oldest first, walked along first parents from its head down to
 * its parent's head. A branch whose walk does not meet its parent's head (it is not on top of
 * it) ends its list with a marker, so that it can never equal a correct restack.
 */
export function shapesOf(
  gitDir: string,
  branches: readonly StackBranch[],
  heads: Record<string, string>,
): StackShape {
  const shapes: StackShape = {};
  for (const { name, parent } of branches) {
    const log = runGit(gitDir, [
      'log',
      '--first-parent',
      '--max-count=50',
      '--date=raw',
      '--format=%H%x1f%P%x1f%T%x1f%an <%ae> %ad%x1f%B%x1e',
      heads[name]!,
    ]);
    const own: CommitShape[] = [];
    let met = false;
    for (const record of log.split('\x1e')) {
      const [sha, parents, tree, author, message] = record
        .replace(/^\n/, '')
        .split('\x1f');
      if (!sha) continue;
      if (sha === heads[parent]) {
        met = true;
        break;
      }
      own.unshift(
        [
          tree,
          author,
          (parents ?? '').split(' ').length,
          (message ?? '').trim(),
        ].join(' | '),
      );
    }
    if (!met) own.push(`<not on top of ${parent}>`);
    shapes[name] = own;
  }
  return shapes;
}
