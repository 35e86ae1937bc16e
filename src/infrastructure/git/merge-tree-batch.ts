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

/**
 * How long a merge may wait for its answer before the merger is taken for one that does not
 * answer (a git that `stdbuf` cannot unbuffer: linked statically, or behind a wrapper that
 * drops its preload) and killed: the merge is then done by a git process of its own.
 */
export const MERGE_ANSWER_TIMEOUT_MS = 10_000;

interface Pending {
  resolve: (outcome: MergeOutcome) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One long-running `git merge-tree --stdin --write-tree` per repository (git ≥ 2.39): a
 * merge costs a pipe round trip instead of a git process. Each request is a line of two
 * commits, merged with their merge base as git finds it (git 2.39 takes no merge base in
 * its input); each answer is `<1|0>\0<tree>\0<path>\0…\0` (clean or not, the tree, the
 * conflicted paths, an empty field). git writes its answers through C stdio without flushing
 * them, so it runs under `stdbuf -o0` (the runner has one, or this is not used).
 *
 * Once its process is dead (`dead`), every merge fails with `GIT.HELPER_DIED` and the owner
 * starts a new one. It is killed, failing every merge waiting, when an answer does not parse
 * (the stream is out of step: nothing after can be trusted), when a merge waits longer than
 * `answerTimeoutMs` (`unanswered` then says so, and the owner stops using mergers), and when
 * the step a merge was asked for is stopped (its signal aborts).
 */
export class MergeTreeBatch {
  private readonly process: HelperProcess;
  private buffer: Buffer = Buffer.alloc(0);
  /** The fields of the answer being read, for the oldest merge waiting. */
  private fields: string[] = [];
  private readonly pending: Pending[] = [];
  private timedOut = false;

  constructor(
    runner: GitRunner,
    gitDir: string,
    private readonly answerTimeoutMs = MERGE_ANSWER_TIMEOUT_MS,
  ) {
    this.process = new HelperProcess(
      runner,
      ['merge-tree', '--stdin', '--write-tree', '--name-only', '--no-messages'],
      gitDir,
      'merge-tree --stdin',
      {
        data: (chunk) => this.read(chunk),
        died: (error) => this.failAll(error),
      },
      { unbuffered: true },
    );
  }

  get dead(): boolean {
    return this.process.failure !== undefined;
  }

  /** Whether it was killed for not answering in time. */
  get unanswered(): boolean {
    return this.timedOut;
  }

  /**
   * Merges two commits (full ids) as `git merge-tree --write-tree <one> <two>` would. A
   * `signal` that aborts fails the merge with its reason and kills the merger.
   */
  merge(one: string, two: string, signal?: AbortSignal): Promise<MergeOutcome> {
    const failure = this.process.failure;
    if (failure) return Promise.reject(failure);
    if (signal?.aborted) return Promise.reject(reasonOf(signal));
    const onAbort = () => this.stop(reasonOf(signal!));
    const answer = new Promise<MergeOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.timedOut = true;
        this.stop(
          new GitHelperDiedError(
            'merge-tree --stdin',
            `no answer in ${this.answerTimeoutMs} ms`,
          ),
        );
      }, this.answerTimeoutMs);
      timer.unref();
      this.pending.push({ resolve, reject, timer });
      this.process.write(`${one} ${two}\n`);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return signal
      ? answer.finally(() => signal.removeEventListener('abort', onAbort))
      : answer;
  }

  /** Resolves once the process is gone. */
  close(): Promise<void> {
    return this.process.close();
  }

  /** Takes each complete field off the buffer: nothing is scanned twice. */
  private read(chunk: Buffer): void {
    this.buffer = this.buffer.length
      ? Buffer.concat([this.buffer, chunk])
      : chunk;
    let at = 0;
    for (let nul = this.buffer.indexOf(0); nul >= 0;) {
      const field = this.buffer.subarray(at, nul).toString('utf8');
      at = nul + 1;
      if (field === '' && this.fields.length >= 2) {
        if (!this.answer(this.fields)) return;
        this.fields = [];
      } else {
        this.fields.push(field);
      }
      nul = this.buffer.indexOf(0, at);
    }
    this.buffer = this.buffer.subarray(at);
  }

  /** Gives a complete answer to the oldest merge waiting; false if the stream broke. */
  private answer(fields: readonly string[]): boolean {
    const [status, tree, ...files] = fields;
    const head = this.pending[0];
    if (
      !head ||
      (status !== '0' && status !== '1') ||
      !/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(tree!)
    ) {
      this.stop(
        new GitHelperDiedError(
          'merge-tree --stdin',
          `an answer it cannot have meant: ${JSON.stringify(fields.slice(0, 3))}`,
        ),
      );
      return false;
    }
    this.pending.shift();
    clearTimeout(head.timer);
    head.resolve({
      clean: status === '1',
      tree: tree!,
      files: [...new Set(files)],
    });
    return true;
  }

  /** Fails every merge waiting with `error`, and kills the process: nothing more is read. */
  private stop(error: Error): void {
    this.failAll(error);
    this.buffer = Buffer.alloc(0);
    this.fields = [];
    void this.process.kill(error.message);
  }

  private failAll(error: Error): void {
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(error);
    }
  }
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new Error('git was stopped');
}
