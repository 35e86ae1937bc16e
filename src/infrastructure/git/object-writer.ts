import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GitRunner } from './git-runner';
import { HelperProcess } from './helper-process';

export interface NewCommit {
  tree: string;
  parents: readonly string[];
  /** `Name <email> <unix seconds> <+hhmm>` */
  author: string;
  committer: string;
  message: string;
}

/** The text of a commit object. */
export function formatCommit(commit: NewCommit): string {
  const lines = [
    `tree ${commit.tree}`,
    ...commit.parents.map((p) => `parent ${p}`),
  ];
  lines.push(
    `author ${commit.author}`,
    `committer ${commit.committer}`,
    '',
    '',
  );
  return lines.join('\n') + commit.message;
}

/** Scratch folders of object writers are named so, inside the scratch folder they are given. */
export const SCRATCH_PREFIX = 'objects-';

/**
 * Writes objects of one type through one long-running `git hash-object -w -t <type>
 * --stdin-paths` per repository: it answers each path with the new object's id at once, so an
 * object costs a pipe round trip (~1 ms here) instead of a `git commit-tree` or `git mktree`
 * process. git checks each object's format as it writes it. The files it hashes live in a
 * folder of its own under `scratchDir`, made on the first write and removed when its process
 * is gone; once that process is dead (`dead`), every write fails with `GIT.HELPER_DIED`.
 */
export class ObjectWriter {
  private readonly process: HelperProcess;
  private dir: string | undefined;
  private readonly pending: Array<{
    resolve: (oid: string) => void;
    reject: (e: Error) => void;
  }> = [];
  private readonly cleaned: Promise<void>;
  private out = '';
  private counter = 0;

  constructor(
    runner: GitRunner,
    gitDir: string,
    type: 'commit' | 'tree',
    private readonly scratchDir: string,
  ) {
    this.process = new HelperProcess(
      runner,
      ['hash-object', '-w', '-t', type, '--stdin-paths'],
      gitDir,
      'hash-object',
      {
        data: (chunk) => {
          this.out += chunk.toString('utf8');
          let eol: number;
          while ((eol = this.out.indexOf('\n')) >= 0) {
            const oid = this.out.slice(0, eol);
            this.out = this.out.slice(eol + 1);
            this.pending.shift()?.resolve(oid);
          }
        },
        died: (error) => {
          for (const p of this.pending.splice(0)) p.reject(error);
        },
      },
    );
    // However the process ends (closed, killed, crashed), its scratch files go with it; a
    // folder that cannot be removed now is cleared when the next engine starts.
    this.cleaned = this.process.ended
      .then(() => {
        if (this.dir) rmSync(this.dir, { recursive: true, force: true });
      })
      .catch(() => undefined);
  }

  /** Whether it takes no more requests: its process died or it was closed. */
  get dead(): boolean {
    return this.process.failure !== undefined;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  write(content: string | Buffer): Promise<string> {
    const failure = this.process.failure;
    if (failure) return Promise.reject(failure);
    // Made on first use, and only while the process lives: its end removes the folder.
    if (!this.dir) {
      mkdirSync(this.scratchDir, { recursive: true });
      this.dir = mkdtempSync(join(this.scratchDir, SCRATCH_PREFIX));
    }
    const path = join(this.dir, `o${this.counter++}`);
    writeFileSync(path, content);
    return new Promise<string>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.process.write(`${path}\n`);
    }).finally(() => rmSync(path, { force: true }));
  }

  /** Resolves once the process is gone and its scratch folder removed. */
  async close(): Promise<void> {
    await this.process.close();
    await this.cleaned;
  }
}
