import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { redactCredentials } from '../../domain/repo/remote-url';
import { GitHelperDiedError } from './git.errors';
import type { GitRunner } from './git-runner';

/** How long a closed helper may take to finish before it is killed. */
const KILL_AFTER_MS = 5_000;

export interface HelperEvents {
  /** A chunk of the helper's answers. */
  data(chunk: Buffer): void;
  /** The helper can answer nothing more: every request still waiting fails with `error`. Called once. */
  died(error: GitHelperDiedError): void;
}

/**
 * A long-running git process answering requests on stdin, with every way it can die
 * noticed: a spawn error, its exit (killed, crashed, out of memory), EPIPE on a write, or its
 * output ending. Once it is dead it takes no more requests, so its owner replaces it.
 */
export class HelperProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private stopped: GitHelperDiedError | undefined;
  private closing = false;
  /** Settles once the process is gone and its output is read to the end. */
  readonly ended: Promise<void>;

  constructor(
    runner: GitRunner,
    args: readonly string[],
    gitDir: string,
    private readonly name: string,
    events: HelperEvents,
    options: { unbuffered?: boolean } = {},
  ) {
    this.child = runner.spawn(args, gitDir, options);
    this.child.stdout.on('data', (chunk: Buffer) => events.data(chunk));
    // Only the end of its diagnostics is kept, to say why it died; reading them also keeps a
    // full pipe from stalling it.
    let stderr = '';
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-2_000);
    });
    let exitReason: string | undefined;
    let outputEnded = false;
    let failedPending = false;
    const refuse = (reason: string) => {
      this.stopped ??= new GitHelperDiedError(this.name, reason);
    };
    // Requests still waiting fail once no answer can come any more: the process has exited
    // and its output is read to the end (answers written before it died are still delivered).
    const fail = () => {
      if (failedPending) return;
      failedPending = true;
      const said = stderr.trim().split('\n').pop();
      const why = exitReason ?? this.stopped?.reason ?? 'it stopped';
      events.died(
        new GitHelperDiedError(
          this.name,
          said ? `${why} (${redactCredentials(said)})` : why,
        ),
      );
    };
    this.child.on('exit', (code, signal) => {
      exitReason = signal ? `signal ${signal}` : `exit code ${code}`;
      refuse(exitReason);
      if (outputEnded) fail();
    });
    this.child.stdout.on('end', () => {
      outputEnded = true;
      refuse('its output ended');
      if (exitReason) fail();
    });
    // A spawn error or EPIPE on a write: the exit or the close that follows fails the waiting.
    this.child.on('error', (error) => refuse(error.message));
    this.child.stdin.on('error', (error) => refuse(error.message));
    this.ended = new Promise((resolve) =>
      this.child.on('close', () => {
        refuse('it stopped');
        fail();
        resolve();
      }),
    );
  }

  /** Why it takes no more requests, once it is dead or closed. */
  get failure(): GitHelperDiedError | undefined {
    return this.stopped;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a request; a helper that dies with it waiting reports through `died`. */
  write(line: string): void {
    this.child.stdin.write(line);
  }

  /** Kills it now (requests still waiting fail as it goes); resolves once it is gone. */
  kill(reason: string): Promise<void> {
    this.stopped ??= new GitHelperDiedError(this.name, reason);
    this.child.kill('SIGKILL');
    return this.ended;
  }

  /** Ends its input, which makes git finish; resolves once the process is gone. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.stopped ??= new GitHelperDiedError(this.name, 'closed');
      this.child.stdin.end();
      // A helper that ignores the end of its input must not outlive the engine.
      const kill = setTimeout(() => this.child.kill('SIGKILL'), KILL_AFTER_MS);
      kill.unref();
      void this.ended.then(() => clearTimeout(kill));
    }
    return this.ended;
  }
}
