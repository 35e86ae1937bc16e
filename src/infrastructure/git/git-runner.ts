import {
  type ChildProcess,
  type ChildProcessWithoutNullStreams,
  spawn,
} from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { setPriority } from 'node:os';
import { delimiter, join } from 'node:path';
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
  /**
   * Kills the command (its whole process group) when it aborts, and starts none after: a
   * job step's (see `GitEngine.aborting`), or a clone being packed.
   */
  signal?: AbortSignal;
}

export interface GitResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** More output than any answer of ours takes: git is stopped and the command fails. */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/**
 * The scheduling priority (nice value) of every git process the service starts: below the
 * event loop that answers requests, so that git's CPU work on shared cores waits for it
 * rather than the other way round.
 */
export const GIT_NICENESS = 10;

/**
 * Lowers a git process's scheduling priority; a process that has ended already, or a
 * system that refuses, leaves it as it is.
 */
export function lowerPriority(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    setPriority(child.pid, GIT_NICENESS);
  } catch {
    // gone already, or not ours to change
  }
}

/**
 * The launcher: a small Node process that starts the one-shot git commands for the service
 * and sends back their output. Starting a process from the service itself forks it, and a
 * fork's cost grows with the memory of the process forked: in a service of 170 MB each
 * `spawn` held the event loop for 5 ms (p99 20 ms), long enough to show in the answers to
 * requests. The launcher is 40 MB and forks in under 1 ms, in a process of its own. It
 * lowers each git's priority to `GIT_NICENESS` as it starts it, and keeps its own: what it
 * does for the service (relay answers) must not wait behind the git work of the machine.
 * Its source is a string so that it runs as it is wherever this module runs (compiled, or
 * under the tests' transform).
 */
const LAUNCHER_SOURCE = `
'use strict';
const { spawn } = require('node:child_process');
const { setPriority } = require('node:os');
const children = new Map();
const send = (message) => { if (process.connected) process.send(message); };
const killGroup = (child) => {
  try { if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL'); } catch {}
};
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  if (m.t === 'kill') {
    const child = children.get(m.id);
    if (child) killGroup(child);
    return;
  }
  const child = spawn(m.file, m.args, { env: m.env, detached: true });
  try { if (child.pid !== undefined) setPriority(child.pid, ${GIT_NICENESS}); } catch {}
  children.set(m.id, child);
  const out = { stdout: [], stderr: [] };
  let overflow = false;
  for (const name of ['stdout', 'stderr']) {
    let size = 0;
    child[name].on('data', (chunk) => {
      size += chunk.length;
      if (size > m.maxBytes) { overflow = true; killGroup(child); }
      else out[name].push(chunk);
    });
  }
  let spawnError;
  child.on('error', (error) => { spawnError = error; });
  child.on('exit', () => send({ t: 'exit', id: m.id }));
  child.on('close', (exitCode) => {
    children.delete(m.id);
    send({
      t: 'done',
      id: m.id,
      exitCode,
      overflow,
      spawnError: spawnError ? String(spawnError.message) : undefined,
      stdout: Buffer.concat(out.stdout).toString('utf8'),
      stderr: Buffer.concat(out.stderr).toString('utf8'),
    });
  });
  child.stdin.on('error', () => undefined);
  child.stdin.end(m.input);
});
`;

interface LaunchRequest {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  input: string;
}

interface LaunchWatcher {
  /** git has exited (its output may still be arriving). */
  exited(): void;
  done(result: LaunchDone): void;
}

interface LaunchDone {
  exitCode: number | null;
  overflow: boolean;
  spawnError?: string;
  stdout: string;
  stderr: string;
}

type LauncherMessage =
  { t: 'exit'; id: number } | ({ t: 'done'; id: number } & LaunchDone);

/** How long the launcher may sit idle before it is let go (started again when needed). */
const LAUNCHER_IDLE_MS = 10_000;

/**
 * The one launcher of this process, started on first use, again if it dies, and let go
 * after `LAUNCHER_IDLE_MS` without git to run (by this side, which then sends it nothing
 * more, so no command can be lost to its leaving).
 */
class Launcher {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly watchers = new Map<number, LaunchWatcher>();
  private idleTimer: NodeJS.Timeout | undefined;

  pid(): number | undefined {
    return this.child?.connected ? this.child.pid : undefined;
  }

  /** Starts git; returns a handle that kills its process group. */
  launch(request: LaunchRequest, watcher: LaunchWatcher): () => void {
    const child = this.current();
    const id = this.nextId++;
    this.watchers.set(id, watcher);
    this.hold(child);
    child.send({ t: 'run', id, maxBytes: MAX_OUTPUT_BYTES, ...request });
    return () => {
      if (this.child === child && child.connected)
        child.send({ t: 'kill', id });
    };
  }

  private current(): ChildProcess {
    if (this.child?.connected) return this.child;
    const child = spawn(
      process.execPath,
      // The last argument only names it in process listings.
      ['-e', LAUNCHER_SOURCE, 'stackyard-git-launcher'],
      {
        // Nothing of the service's environment: each git gets its own.
        env: {},
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      },
    );
    child.on('message', (message: LauncherMessage) => {
      const watcher = this.watchers.get(message.id);
      if (!watcher) return;
      if (message.t === 'exit') {
        watcher.exited();
        return;
      }
      this.watchers.delete(message.id);
      this.release(child);
      watcher.done(message);
    });
    const lost = () => {
      if (this.child !== child) return;
      this.child = undefined;
      clearTimeout(this.idleTimer);
      // What it was running is not ours to wait for any more: each fails as git that
      // never answered.
      const waiting = [...this.watchers.values()];
      this.watchers.clear();
      for (const watcher of waiting)
        watcher.done({
          exitCode: null,
          overflow: false,
          spawnError: 'the git launcher stopped',
          stdout: '',
          stderr: '',
        });
    };
    child.on('error', lost);
    child.on('exit', lost);
    child.on('disconnect', lost);
    this.child = child;
    this.release(child);
    return child;
  }

  /** While git runs, the launcher keeps this process alive; idle, it does not. */
  private hold(child: ChildProcess): void {
    clearTimeout(this.idleTimer);
    child.ref();
    child.channel?.ref();
  }

  private release(child: ChildProcess): void {
    if (this.watchers.size > 0) return;
    child.unref();
    child.channel?.unref();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.child !== child || this.watchers.size > 0) return;
      this.child = undefined;
      // It exits once its channel closes.
      child.disconnect();
    }, LAUNCHER_IDLE_MS);
    this.idleTimer.unref();
  }
}

const launcher = new Launcher();

/** The launcher's process id while it runs (for tests and diagnostics). */
export function gitLauncherPid(): number | undefined {
  return launcher.pid();
}

/** The first executable file called `name` in the folders of `path`, if any. */
export function findExecutable(
  name: string,
  path: string | undefined,
): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** Throws why `signal` aborted, if it has. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new Error('git was stopped');
}

/**
 * Runs git with an argument array (never a shell) in a closed environment: no system or
 * global config, no hooks, no terminal prompts, only the allowed transports, C locale, and
 * the service as committer. Child processes keep Node's event loop free; the one-shot ones are started by the
 * launcher above, so that not even their fork takes the event loop's time.
 */
export class GitRunner {
  private readonly env: NodeJS.ProcessEnv;
  /**
   * coreutils' `stdbuf`, when this machine has it: a long-running git whose answers it writes
   * through C stdio without flushing them (`merge-tree --stdin`) is started under
   * `stdbuf -o0`, so that each answer leaves as it is written instead of when the buffer
   * fills. Undefined: such helpers cannot be used, and their callers start a git per request.
   */
  readonly stdbuf: string | undefined;

  constructor(
    readonly gitBin = 'git',
    options: { stdbuf?: string | null } = {},
  ) {
    this.stdbuf =
      options.stdbuf === null
        ? undefined
        : (options.stdbuf ?? findExecutable('stdbuf', process.env.PATH));
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
    options: { unbuffered?: boolean } = {},
  ): ChildProcessWithoutNullStreams {
    const argv = this.argv(args, gitDir);
    if (options.unbuffered && !this.stdbuf)
      throw new Error('git cannot be started unbuffered: no stdbuf here');
    const child = options.unbuffered
      ? spawn(this.stdbuf!, ['-o0', this.gitBin, ...argv], { env: this.env })
      : spawn(this.gitBin, argv, { env: this.env });
    lowerPriority(child);
    return child;
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
    const signal = options.signal;
    const command = args[0] ?? 'git';
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      // Started by the launcher in a process group of its own (a session, in fact), so
      // that a kill reaches what git started too: ssh, a credential helper, the
      // upload-pack of a local remote.
      let settled = false;
      const settle = (done: () => void) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        done();
      };
      let exited = false;
      let aborted = false;
      const fail = () => settle(() => reject(abortReason(signal!)));
      const kill = launcher.launch(
        {
          file: this.gitBin,
          args: fullArgs,
          env: options.env ? { ...this.env, ...options.env } : this.env,
          input: options.input ?? '',
        },
        {
          exited: () => {
            exited = true;
            if (aborted) fail();
          },
          done: ({ exitCode, overflow, spawnError, stdout, stderr }) => {
            if (aborted) {
              fail();
              return;
            }
            // Killed by a signal, over the output limit or never started: not git's answer.
            const code =
              spawnError !== undefined ||
              overflow ||
              exitCode === null ||
              exitCode < 0
                ? -1
                : exitCode;
            if (code === 0 || options.okCodes?.includes(code)) {
              settle(() => resolve({ stdout, stderr, code }));
              return;
            }
            const detail = overflow
              ? `its output exceeded ${MAX_OUTPUT_BYTES} bytes`
              : stderr.trim() || (spawnError ?? '');
            settle(() =>
              reject(
                new GitCommandError(command, code, redactCredentials(detail)),
              ),
            );
          },
        },
      );
      const onAbort = () => {
        aborted = true;
        // The whole group is killed; the run settles once git has exited, so that whoever
        // aborted may clean up after it (the lock files of a ref transaction it died in)
        // without racing a live process.
        kill();
        if (exited) fail();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
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
