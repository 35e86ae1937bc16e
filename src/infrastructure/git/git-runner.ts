import { AsyncLocalStorage } from 'node:async_hooks';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import {
  ALLOWED_PROTOCOLS,
  redactCredentials,
} from '../../domain/repo/remote-url';
import { GitCommandError } from './git.errors';

export interface GitRunOptions {
  /** The repository (a bare clone); omitted for commands that need none. */
  gitDir?: string;
  /** Written to the command's stdin. */
  input?: string;
  /** Extra environment, e.g. the author of a commit being replayed. */
  env?: Readonly<Record<string, string>>;
  /** Exit codes that are answers, not failures (e.g. 1 for `merge-base --is-ancestor`). */
  okCodes?: readonly number[];
}

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** More output than any answer of ours takes: git is stopped and the command fails. */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

const workSignal = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `work` so that every git command it runs through a `GitRunner`, however deep in the
 * engine, is killed with its whole process group once `signal` aborts, and none starts
 * after: the job runner aborts a step it timed out or gave up at shutdown, and the git work
 * of that step must stop with it instead of running on unseen. Long-running helpers
 * (`spawn`) are shared by the steps of a repository and are not tied to one.
 */
export function withGitAbortSignal<T>(
  signal: AbortSignal,
  work: () => Promise<T>,
): Promise<T> {
  return workSignal.run(signal, work);
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new Error('git was stopped');
}

/**
 * Runs git with an argument array (never a shell) in a closed environment: no system or
 * global config, no hooks, no terminal prompts, only the allowed transports, C locale, and
 * the service as committer. Child processes keep Node's event loop free.
 */
export class GitRunner {
  private readonly env: NodeJS.ProcessEnv;

  constructor(readonly gitBin = 'git') {
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LC_ALL: 'C',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: '/bin/false',
      SSH_ASKPASS: '/bin/false',
      GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
      GIT_ALLOW_PROTOCOL: ALLOWED_PROTOCOLS.join(':'),
      GIT_COMMITTER_NAME: 'Stackyard',
      GIT_COMMITTER_EMAIL: 'stackyard@localhost',
      // Authors of replayed commits are set per commit; this only names throw-away ones.
      GIT_AUTHOR_NAME: 'Stackyard',
      GIT_AUTHOR_EMAIL: 'stackyard@localhost',
    };
  }

  /** Starts a long-running git process (e.g. `cat-file --batch`) in the same environment. */
  spawn(
    args: readonly string[],
    gitDir: string,
  ): ChildProcessWithoutNullStreams {
    return spawn(this.gitBin, this.argv(args, gitDir), { env: this.env });
  }

  private argv(args: readonly string[], gitDir: string | undefined): string[] {
    return [
      ...(gitDir ? [`--git-dir=${gitDir}`] : []),
      '-c',
      'core.hooksPath=/dev/null',
      ...args,
    ];
  }

  run(
    args: readonly string[],
    options: GitRunOptions = {},
  ): Promise<GitResult> {
    const fullArgs = this.argv(args, options.gitDir);
    const signal = workSignal.getStore();
    const command = args[0] ?? 'git';
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      // A process group of its own (a session, in fact), so that a kill reaches what git
      // started too: ssh, a credential helper, the upload-pack of a local remote.
      const child = spawn(this.gitBin, fullArgs, {
        env: options.env ? { ...this.env, ...options.env } : this.env,
        detached: true,
      });
      let settled = false;
      const settle = (done: () => void) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        done();
      };
      const killGroup = () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // the whole group has ended already
        }
      };
      const onAbort = () => {
        // Before `close`, git is not reaped yet or a process it started still holds its
        // output: the group's id is still this group's.
        killGroup();
        // Settles once git has exited, so that whoever aborted may clean up after it (the
        // lock files of a ref transaction it died in) without racing a live process.
        const fail = () => settle(() => reject(abortReason(signal!)));
        if (child.exitCode !== null || child.signalCode !== null) fail();
        else child.once('exit', fail);
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      const out = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
      let overflow = false;
      for (const name of ['stdout', 'stderr'] as const) {
        let size = 0;
        child[name].on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_OUTPUT_BYTES) {
            overflow = true;
            killGroup();
          } else out[name].push(chunk);
        });
      }
      let spawnError: Error | undefined;
      child.on('error', (error) => (spawnError = error));
      child.on('close', (exitCode: number | null) => {
        const stdout = Buffer.concat(out.stdout).toString('utf8');
        const stderr = Buffer.concat(out.stderr).toString('utf8');
        // Killed by a signal, over the output limit or never started: not git's answer.
        const code =
          spawnError || overflow || exitCode === null || exitCode < 0
            ? -1
            : exitCode;
        if (code === 0 || options.okCodes?.includes(code)) {
          settle(() => resolve({ stdout, stderr, code }));
          return;
        }
        const detail = overflow
          ? `its output exceeded ${MAX_OUTPUT_BYTES} bytes`
          : stderr.trim() || String(spawnError?.message ?? '');
        settle(() =>
          reject(new GitCommandError(command, code, redactCredentials(detail))),
        );
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
    });
  }

  /** Runs and returns trimmed stdout. */
  async text(
    args: readonly string[],
    options: GitRunOptions = {},
  ): Promise<string> {
    return (await this.run(args, options)).stdout.trim();
  }
}
