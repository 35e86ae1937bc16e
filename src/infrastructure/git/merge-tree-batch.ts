import { GitHelperDiedError } from './git.errors';
import type { GitRunner } from './git-runner';
import { HelperProcess } from './helper-process';

/** What `git merge-tree --write-tree` says of one merge. */
export interface MergeOutcome {
  clean: boolean;
  /** The merged tree; with conflicts, the tree with their markers. */
  tree: string;
  /** The paths in conflict, each once (none when clean). */
  files: string[];
}

interface Pending {
  resolve: (outcome: MergeOutcome) => void;
  reject: (error: Error) => void;
}

/**
 * One long-running `git merge-tree --stdin --write-tree` per repository (git ≥ 2.39): a
 * merge costs a pipe round trip instead of a git process. Each request is a line of two
 * commits, merged with their merge base as git finds it; each answer is
 * `<1|0>\0<tree>\0<path>\0…\0` (clean or not, the tree, the conflicted paths, an empty field).
 * git writes its answers through C stdio without flushing them, so it runs under
 * `stdbuf -o0` (the runner has one, or this is not used). Once its process is dead (`dead`),
 * every merge fails with `GIT.HELPER_DIED` and the owner starts a new one.
 */
export class MergeTreeBatch {
  private readonly process: HelperProcess;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];

  constructor(runner: GitRunner, gitDir: string) {
    this.process = new HelperProcess(
      runner,
      ['merge-tree', '--stdin', '--write-tree', '--name-only', '--no-messages'],
      gitDir,
      'merge-tree --stdin',
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
      { unbuffered: true },
    );
  }

  get dead(): boolean {
    return this.process.failure !== undefined;
  }

  /** Merges two commits (full ids) as `git merge-tree --write-tree <one> <two>` would. */
  merge(one: string, two: string): Promise<MergeOutcome> {
    const failure = this.process.failure;
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.process.write(`${one} ${two}\n`);
    });
  }

  /** Resolves once the process is gone. */
  close(): Promise<void> {
    return this.process.close();
  }

  /** Answers every merge whose answer is complete: up to its empty field. */
  private drain(): void {
    for (;;) {
      const head = this.pending[0];
      if (!head) {
        if (this.buffer.length > 0)
          // An answer nobody asked for: the stream is out of step, so nothing it says can be trusted.
          void this.close();
        return;
      }
      const fields: string[] = [];
      let at = 0;
      let complete = false;
      for (;;) {
        const nul = this.buffer.indexOf(0, at);
        if (nul < 0) break;
        const field = this.buffer.subarray(at, nul).toString('utf8');
        at = nul + 1;
        if (field === '' && fields.length >= 2) {
          complete = true;
          break;
        }
        fields.push(field);
      }
      if (!complete) return;
      this.buffer = this.buffer.subarray(at);
      this.pending.shift();
      const [status, tree, ...files] = fields;
      if (
        (status !== '0' && status !== '1') ||
        !/^[0-9a-f]{40,64}$/.test(tree!)
      ) {
        const error = new GitHelperDiedError(
          'merge-tree --stdin',
          `an answer it cannot have meant: ${JSON.stringify(fields.slice(0, 3))}`,
        );
        head.reject(error);
        void this.close();
        return;
      }
      head.resolve({
        clean: status === '1',
        tree: tree!,
        files: [...new Set(files)],
      });
    }
  }
}
