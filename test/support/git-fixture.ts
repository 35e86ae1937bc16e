import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A real bare "origin" and a developer's work tree pushing to it, in a temporary folder.
 * Commits get fixed authors and increasing dates so that tests are deterministic.
 */
export class GitFixture {
  readonly root: string;
  readonly origin: string;
  readonly work: string;
  private tick = 0;
  private imports = 0;

  constructor(readonly trunk = 'main') {
    this.root = mkdtempSync(join(tmpdir(), 'stackyard-git-'));
    this.origin = join(this.root, 'origin.git');
    this.work = join(this.root, 'work');
    this.git(
      this.root,
      'init',
      '--quiet',
      '--bare',
      `--initial-branch=${trunk}`,
      this.origin,
    );
    this.git(
      this.root,
      'init',
      '--quiet',
      `--initial-branch=${trunk}`,
      this.work,
    );
    this.gitW('remote', 'add', 'origin', this.origin);
    this.commit('README.md', '# fixture\n', 'initial commit');
    this.gitW('push', '--quiet', 'origin', trunk);
  }

  private env(): NodeJS.ProcessEnv {
    const date = `${1_700_000_000 + this.tick * 60} +0000`;
    return {
      PATH: process.env.PATH,
      HOME: this.root,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Ann Author',
      GIT_AUTHOR_EMAIL: 'ann@example.com',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_NAME: 'Ann Author',
      GIT_COMMITTER_EMAIL: 'ann@example.com',
      GIT_COMMITTER_DATE: date,
    };
  }

  git(cwd: string, ...args: string[]): string {
    return execFileSync('git', args, {
      cwd,
      env: this.env(),
      encoding: 'utf8',
    }).trim();
  }

  gitW(...args: string[]): string {
    return this.git(this.work, ...args);
  }

  /** Runs git in `cwd` without throwing on failure: its exit status and output. */
  tryGit(
    cwd: string,
    ...args: string[]
  ): { status: number; stdout: string; stderr: string } {
    const r = spawnSync('git', args, {
      cwd,
      env: this.env(),
      encoding: 'utf8',
    });
    if (r.error) throw r.error;
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Runs git in `cwd` with `input` on its standard input; returns its output as bytes. */
  gitInput(cwd: string, input: string | Buffer, ...args: string[]): Buffer {
    return execFileSync('git', args, {
      cwd,
      env: this.env(),
      input,
      maxBuffer: 64 * 1024 * 1024,
    });
  }

  /**
   * Imports a `git fast-import` stream into `repo` (the work tree's repository unless
   * another is named: one process for a whole history, however many commits) and returns
   * the commit id of each mark. No work tree is updated.
   */
  fastImport(stream: Buffer, repo = this.work): Map<number, string> {
    const marksFile = join(this.root, `marks-${++this.imports}`);
    this.gitInput(
      repo,
      stream,
      'fast-import',
      '--quiet',
      `--export-marks=${marksFile}`,
    );
    const marks = new Map<number, string>();
    for (const line of readFileSync(marksFile, 'utf8').split('\n')) {
      const [mark, oid] = line.split(' ');
      if (mark && oid) marks.set(Number(mark.slice(1)), oid);
    }
    rmSync(marksFile, { force: true });
    return marks;
  }

  /** Writes one file and commits it on the checked-out branch. */
  commit(path: string, content: string, message: string): string {
    this.tick++;
    const file = join(this.work, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    this.gitW('add', '--', path);
    this.gitW('commit', '--quiet', '-m', message);
    return this.gitW('rev-parse', 'HEAD');
  }

  /** Creates `branch` from `parent` with `commits` commits, each adding its own file, and pushes. */
  branch(branch: string, parent: string, commits = 2): string {
    this.gitW('checkout', '--quiet', '-B', branch, parent);
    for (let i = 1; i <= commits; i++) {
      this.commit(
        `${branch}/file-${i}.txt`,
        `${branch} ${i}\n`,
        `${branch}: change ${i}`,
      );
    }
    this.gitW('push', '--quiet', '--force', 'origin', branch);
    return this.head(branch);
  }

  /** A linear stack: trunk <- names[0] <- names[1] ... */
  stack(names: readonly string[], commits = 2): void {
    let parent = this.trunk;
    for (const name of names) {
      this.branch(name, parent, commits);
      parent = name;
    }
  }

  /** Adds a commit to `branch` (default trunk) touching `path`, and pushes it. */
  advance(
    branch = this.trunk,
    path = `trunk-${this.tick}.txt`,
    content = `t${this.tick}\n`,
  ): string {
    this.gitW('checkout', '--quiet', branch);
    this.commit(path, content, `${branch}: advance`);
    this.gitW('push', '--quiet', '--force', 'origin', branch);
    return this.head(branch);
  }

  head(branch: string): string {
    return this.gitW('rev-parse', branch);
  }

  originHead(branch: string): string {
    return this.git(this.origin, 'rev-parse', `refs/heads/${branch}`);
  }

  originRefs(): string {
    return this.git(
      this.origin,
      'for-each-ref',
      '--format=%(objectname) %(refname)',
    );
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
