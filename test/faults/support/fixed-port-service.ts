import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { saysListening } from '../../support/log-lines';
import { MAIN } from '../../support/service-process';
import type { Exit } from './fault-service';

/**
 * The compiled service as a child process on a given port and data dir, so that a second
 * one started after a kill answers at the URL the first one had, as a client that
 * reconnects expects. It works in `cwd`, and its temp dir is inside it, so that what a
 * killed one leaves behind is found and removed with the test's folder.
 */
export class FixedPortService {
  private out = '';
  private err = '';
  readonly exited: Promise<Exit>;

  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
    this.exited = once(child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  /**
   * Starts the service; `listening` tells when it is up. Returned at once, so that a caller
   * can count it among what to kill before it has started.
   */
  static spawn(options: {
    port: number;
    cwd: string;
    dataDir: string;
    tmpDir: string;
    env?: Readonly<Record<string, string>>;
  }): FixedPortService {
    const child = spawn(process.execPath, [MAIN], {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH,
        HOME: options.cwd,
        TMPDIR: options.tmpDir,
        ...options.env,
        PORT: String(options.port),
        STACKYARD_DATA_DIR: options.dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new FixedPortService(child, `http://127.0.0.1:${options.port}`);
  }

  /** Resolves once the service listens (it logs so); rejects with its log if it exits first. */
  async listening(): Promise<void> {
    const up = new Promise<void>((resolve) => {
      const check = () => {
        if (!saysListening(this.out)) return;
        this.child.stdout!.off('data', check);
        resolve();
      };
      this.child.stdout!.on('data', check);
      check();
    });
    const first = await Promise.race([
      up.then(() => 'up' as const),
      this.exited.then(() => 'exit' as const),
    ]);
    if (first === 'exit')
      throw new Error(`the service did not start:\n${this.logs()}`);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** stdout and stderr so far, for failure messages. */
  logs(): string {
    return `--- stdout\n${this.out}--- stderr\n${this.err}`;
  }

  /** SIGKILL, unless it has ended already; resolves with how it ended. */
  kill(): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill('SIGKILL');
    return this.exited;
  }

  /** A graceful stop (SIGTERM); resolves with how it ended. */
  stop(): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill('SIGTERM');
    return this.exited;
  }
}
