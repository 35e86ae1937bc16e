import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { GitRunner } from './git-runner';

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

/**
 * Writes objects of one type through one long-running `git hash-object -w -t <type>
 * --stdin-paths` per repository: it answers each path with the new object's id at once, so an
 * object costs a pipe round trip (~1 ms here) instead of a `git commit-tree` or `git mktree`
 * process. git checks each object's format as it writes it.
 */
export class ObjectWriter {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly dir = mkdtempSync(join(tmpdir(), 'stackyard-objects-'));
  private readonly pending: Array<{
    resolve: (oid: string) => void;
    reject: (e: Error) => void;
  }> = [];
  private out = '';
  private counter = 0;
  private failed: Error | undefined;

  constructor(runner: GitRunner, gitDir: string, type: 'commit' | 'tree') {
    this.child = runner.spawn(
      ['hash-object', '-w', '-t', type, '--stdin-paths'],
      gitDir,
    );
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.out += chunk;
      let eol: number;
      while ((eol = this.out.indexOf('\n')) >= 0) {
        const oid = this.out.slice(0, eol);
        this.out = this.out.slice(eol + 1);
        this.pending.shift()?.resolve(oid);
      }
    });
    let stderr = '';
    this.child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    this.child.on('exit', () => {
      this.failed = new Error(`git hash-object exited: ${stderr.trim()}`);
      for (const p of this.pending.splice(0)) p.reject(this.failed);
    });
    this.child.stdin.on('error', () => undefined);
  }

  write(content: string | Buffer): Promise<string> {
    if (this.failed) return Promise.reject(this.failed);
    const path = join(this.dir, `o${this.counter++}`);
    writeFileSync(path, content);
    return new Promise<string>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(`${path}\n`);
    }).finally(() => rmSync(path, { force: true }));
  }

  close(): void {
    this.child.stdin.end();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
