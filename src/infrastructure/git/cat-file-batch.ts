import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { GitRunner } from './git-runner';

/** A commit as stored: what a replay needs to write an equivalent one. */
export interface CommitInfo {
  oid: string;
  tree: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  /** Git's raw date: `<unix seconds> <+hhmm>`. */
  authorDate: string;
  message: string;
}

interface Pending {
  oid: string;
  resolve: (value: Buffer | undefined) => void;
  reject: (error: Error) => void;
}

/**
 * One long-running `git cat-file --batch` per repository: reading an object costs a pipe
 * round trip instead of a process start.
 */
export class CatFileBatch {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private failed: Error | undefined;

  constructor(runner: GitRunner, gitDir: string) {
    this.child = runner.spawn(['cat-file', '--batch'], gitDir);
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length
        ? Buffer.concat([this.buffer, chunk])
        : chunk;
      this.drain();
    });
    const fail = (error: Error) => {
      this.failed = error;
      for (const p of this.pending.splice(0)) p.reject(error);
    };
    this.child.on('error', fail);
    this.child.on('exit', () => fail(new Error('git cat-file exited')));
    this.child.stdin.on('error', () => undefined);
  }

  /** The object's content, or undefined if it does not exist. */
  read(oid: string): Promise<Buffer | undefined> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.pending.push({ oid, resolve, reject });
      this.child.stdin.write(`${oid}\n`);
    });
  }

  async commit(oid: string): Promise<CommitInfo> {
    const content = await this.read(oid);
    if (!content) throw new Error(`commit ${oid} not found`);
    return parseCommit(oid, content.toString('utf8'));
  }

  close(): void {
    this.child.stdin.end();
  }

  private drain(): void {
    for (;;) {
      const head = this.pending[0];
      const eol = this.buffer.indexOf(10);
      if (!head || eol < 0) return;
      const header = this.buffer.subarray(0, eol).toString('utf8');
      if (header.endsWith(' missing')) {
        this.buffer = this.buffer.subarray(eol + 1);
        this.pending.shift();
        head.resolve(undefined);
        continue;
      }
      const size = Number(header.split(' ')[2]);
      if (this.buffer.length < eol + 1 + size + 1) return;
      const content = this.buffer.subarray(eol + 1, eol + 1 + size);
      this.buffer = this.buffer.subarray(eol + 1 + size + 1);
      this.pending.shift();
      head.resolve(Buffer.from(content));
    }
  }
}

export function parseCommit(oid: string, text: string): CommitInfo {
  const split = text.indexOf('\n\n');
  const headers = (split < 0 ? text : text.slice(0, split)).split('\n');
  const message = split < 0 ? '' : text.slice(split + 2);
  let tree = '';
  const parents: string[] = [];
  let author: RegExpExecArray | null = null;
  for (const line of headers) {
    if (line.startsWith('tree ')) tree = line.slice(5);
    else if (line.startsWith('parent ')) parents.push(line.slice(7));
    else if (line.startsWith('author '))
      author = /^author (.*) <(.*)> (\d+ [+-]\d{4})$/.exec(line);
  }
  if (!tree || !author) throw new Error(`cannot parse commit ${oid}`);
  return {
    oid,
    tree,
    parents,
    authorName: author[1]!,
    authorEmail: author[2]!,
    authorDate: author[3]!,
    message,
  };
}
