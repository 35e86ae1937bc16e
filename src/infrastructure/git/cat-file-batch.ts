import type { GitRunner } from './git-runner';
import { HelperProcess } from './helper-process';

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
 * round trip instead of a process start. Once its process is dead (`dead`), every read fails
 * with `GIT.HELPER_DIED` and the owner starts a new one.
 */
export class CatFileBatch {
  private readonly process: HelperProcess;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];

  constructor(runner: GitRunner, gitDir: string) {
    this.process = new HelperProcess(
      runner,
      ['cat-file', '--batch'],
      gitDir,
      'cat-file --batch',
      {
        data: (chunk) => {
          this.buffer = this.buffer.length
            ? Buffer.concat([this.buffer, chunk])
            : chunk;
          this.drain();
        },
        died: (error) => {
          for (const p of this.pending.splice(0)) p.reject(error);
        },
      },
    );
  }

  /** Whether it takes no more requests: its process died or it was closed. */
  get dead(): boolean {
    return this.process.failure !== undefined;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** The object's content, or undefined if it does not exist. */
  read(oid: string): Promise<Buffer | undefined> {
    const failure = this.process.failure;
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ oid, resolve, reject });
      this.process.write(`${oid}\n`);
    });
  }

  async commit(oid: string): Promise<CommitInfo> {
    const content = await this.read(oid);
    if (!content) throw new Error(`commit ${oid} not found`);
    return parseCommit(oid, content.toString('utf8'));
  }

  /** Resolves once the process is gone. */
  close(): Promise<void> {
    return this.process.close();
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
