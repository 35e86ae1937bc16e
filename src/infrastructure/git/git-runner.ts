import {
  type ChildProcessWithoutNullStreams,
  execFile,
  spawn,
} from 'node:child_process';
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
    return new Promise((resolve, reject) => {
      const child = execFile(
        this.gitBin,
        fullArgs,
        {
          env: options.env ? { ...this.env, ...options.env } : this.env,
          maxBuffer: 256 * 1024 * 1024,
          encoding: 'utf8',
        },
        (error, stdout, stderr) => {
          const code = error
            ? typeof error.code === 'number'
              ? error.code
              : -1
            : 0;
          if (code === 0 || options.okCodes?.includes(code)) {
            resolve({ stdout, stderr, code });
          } else {
            reject(
              new GitCommandError(
                args[0] ?? 'git',
                code,
                redactCredentials(
                  stderr.trim() || String(error?.message ?? ''),
                ),
              ),
            );
          }
        },
      );
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input ?? '');
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
