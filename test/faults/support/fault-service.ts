import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseLogLine, saysListening } from '../../support/log-lines';
import { freePort, MAIN } from '../../support/service-process';

export const REBUILD = join(
  __dirname,
  '..',
  '..',
  '..',
  'dist',
  'src',
  'rebuild-read-models.js',
);

/** How a process ended: its exit code, or the signal that ended it. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** An event as `GET /events` sends it. */
export interface StreamedEvent {
  position: number;
  type: string;
  jobId: string | null;
  data: Record<string, unknown>;
}

export const FINAL_JOB_EVENT_TYPES = [
  'RepoActionCompleted',
  'RepoActionFailed',
  'RepoActionCancelled',
] as const;

/**
 * The compiled service as a child process on a data dir, in its own working directory (so
 * that its git processes can be found by their cwd), with the system temp dir pointed
 * inside the test's folder (the service's object writer keeps files there, and a killed
 * service leaves them behind).
 */
export class FaultService {
  private out = '';
  private err = '';
  /** Called on each chunk of output, with all output so far. */
  private readonly outputListeners = new Set<(all: string) => void>();
  readonly exited: Promise<Exit>;

  private constructor(
    readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {
    child.stdout!.on('data', (d: Buffer) => {
      this.out += d.toString();
      for (const listener of this.outputListeners) listener(this.logs());
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.err += d.toString();
      for (const listener of this.outputListeners) listener(this.logs());
    });
    this.exited = once(child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  static async start(options: {
    cwd: string;
    dataDir: string;
    tmpDir: string;
    gitBin?: string;
    /** More of the service's configuration (`STACKYARD_*`). */
    env?: Readonly<Record<string, string>>;
    /** Options for node before the service's script (a `--require` of a fault hook). */
    execArgv?: readonly string[];
  }): Promise<FaultService> {
    const port = await freePort();
    const child = spawn(process.execPath, [...(options.execArgv ?? []), MAIN], {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH,
        HOME: options.cwd,
        TMPDIR: options.tmpDir,
        PORT: String(port),
        STACKYARD_DATA_DIR: options.dataDir,
        ...(options.gitBin ? { STACKYARD_GIT_BIN: options.gitBin } : {}),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new FaultService(child, `http://127.0.0.1:${port}`);
    const listening = new Promise<void>((resolve) =>
      child.stdout.on('data', () => {
        if (saysListening(service.out)) resolve();
      }),
    );
    const first = await Promise.race([
      listening.then(() => 'up' as const),
      service.exited.then(() => 'exit' as const),
    ]);
    if (first === 'exit')
      throw new Error(`the service did not start:\n${service.logs()}`);
    return service;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** stdout and stderr so far, for failure messages. */
  logs(): string {
    return `--- stdout\n${this.out}--- stderr\n${this.err}`;
  }

  async kill(): Promise<Exit> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** A graceful stop; resolves with how the process ended. */
  async stop(): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill('SIGTERM');
    return this.exited;
  }

  /**
   * Resolves once the service's output (stdout and stderr) has a line that matches
   * `pattern` (a log line's `msg`, any other line as it is), with that line; fails, with the
   * logs, if none comes within `deadlineMs`.
   */
  awaitOutput(pattern: RegExp, deadlineMs = 60_000): Promise<string> {
    const matches = (line: string) => {
      try {
        return pattern.test(parseLogLine(line).msg);
      } catch {
        return pattern.test(line);
      }
    };
    return new Promise((resolve, reject) => {
      const check = (all: string) => {
        const line = all.split('\n').find(matches);
        if (line === undefined) return;
        this.outputListeners.delete(check);
        clearTimeout(timer);
        resolve(line);
      };
      const timer = setTimeout(() => {
        this.outputListeners.delete(check);
        reject(
          new Error(`no output matching ${String(pattern)}\n${this.logs()}`),
        );
      }, deadlineMs);
      this.outputListeners.add(check);
      check(this.logs());
    });
  }

  async post<T>(
    path: string,
    body: object,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  /** A GET answered with any status, and its JSON body. */
  async read<T>(path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.baseUrl}${path}`);
    return { status: res.status, body: (await res.json()) as T };
  }

  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`);
    if (res.status !== 200)
      throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /**
   * Reads `GET /events` from the first event of `scope` until `until` matches, and returns
   * that event. Awaits the event itself; the deadline only turns a job that never gets there
   * into a failure that says so, with the service's log.
   */
  async awaitEvent(
    scope: { jobId?: string; repoId?: string },
    until: (e: StreamedEvent) => boolean,
    deadlineMs = 60_000,
  ): Promise<StreamedEvent> {
    const query = new URLSearchParams({ ...scope, lastEventId: '0' });
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), deadlineMs);
    const seen: string[] = [];
    try {
      const res = await fetch(`${this.baseUrl}/events?${query.toString()}`, {
        signal: abort.signal,
      });
      if (res.status !== 200) throw new Error(`GET /events: ${res.status}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = block
            .split('\n')
            .find((l) => l.startsWith('data: '))
            ?.slice('data: '.length);
          if (data === undefined) continue;
          const event = JSON.parse(data) as StreamedEvent;
          seen.push(event.type);
          if (until(event)) return event;
        }
      }
      throw new Error('the event stream ended');
    } catch (error) {
      throw new Error(
        `no matching event for ${JSON.stringify(scope)} (${String(error)}); saw ${seen.join(', ')}\n${this.logs()}`,
      );
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
  }

  /** The job's final event (completed, failed or cancelled), once it is recorded. */
  jobEnd(jobId: string): Promise<StreamedEvent> {
    return this.awaitEvent({ jobId }, (e) =>
      (FINAL_JOB_EVENT_TYPES as readonly string[]).includes(e.type),
    );
  }
}

/** Runs the compiled rebuild command on a data dir to its end. */
export async function rebuildReadModels(
  dataDir: string,
): Promise<Exit & { output: string }> {
  const child = spawn(process.execPath, [REBUILD], {
    env: { PATH: process.env.PATH, STACKYARD_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const [code, signal] = (await once(child, 'exit')) as [
    number | null,
    NodeJS.Signals | null,
  ];
  return { code, signal, output };
}
