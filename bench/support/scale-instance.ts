import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port';

const MAIN = join(__dirname, '..', '..', 'src', 'main.js');

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

export interface InstanceOptions {
  /** The bench's folder for this instance: its data dir, temp dir and log live inside. */
  dir: string;
  instanceId: string;
  databaseUrl: string;
  schema: string;
  leaseMs: number;
  concurrency: number;
}

/**
 * One compiled service process on a PostgreSQL schema shared with the other instances, with
 * a data dir of its own (its clone cache). Its output goes to a file (an instance under
 * load writes an access line per request; the bench's event loop is not where they
 * should go), read back at the end for the count of lines by level.
 */
export class ScaleInstance {
  readonly exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>;
  private ended = false;

  private constructor(
    readonly options: InstanceOptions,
    readonly child: ChildProcess,
    readonly baseUrl: string,
    readonly logFile: string,
  ) {
    this.exited = once(child, 'exit').then(([code, signal]) => {
      this.ended = true;
      return {
        code: code as number | null,
        signal: signal as NodeJS.Signals | null,
      };
    });
  }

  get id(): string {
    return this.options.instanceId;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get dataDir(): string {
    return join(this.options.dir, 'data');
  }

  get alive(): boolean {
    return !this.ended;
  }

  static async start(options: InstanceOptions): Promise<ScaleInstance> {
    const port = await freePort();
    mkdirSync(join(options.dir, 'tmp'), { recursive: true });
    const logFile = join(options.dir, 'service.log');
    const out = openSync(logFile, 'a');
    const child = spawn(process.execPath, [MAIN], {
      cwd: options.dir,
      env: {
        PATH: process.env.PATH,
        HOME: options.dir,
        TMPDIR: join(options.dir, 'tmp'),
        PORT: String(port),
        STACKYARD_DATA_DIR: join(options.dir, 'data'),
        STACKYARD_DATABASE_URL: options.databaseUrl,
        STACKYARD_DATABASE_SCHEMA: options.schema,
        STACKYARD_INSTANCE_ID: options.instanceId,
        STACKYARD_LEASE_MS: String(options.leaseMs),
        STACKYARD_CONCURRENCY: String(options.concurrency),
        STACKYARD_SHUTDOWN_GRACE_MS: '1000',
        LOG_LEVEL: 'log',
      },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    const instance = new ScaleInstance(
      options,
      child,
      `http://127.0.0.1:${port}`,
      logFile,
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!instance.alive)
        throw new Error(
          `instance ${options.instanceId} exited at start:\n${instance.logTail()}`,
        );
      try {
        const res = await fetch(`${instance.baseUrl}/health/live`);
        await res.arrayBuffer();
        if (res.status === 200) return instance;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await instance.kill();
        throw new Error(`instance ${options.instanceId} did not start`);
      }
      await delay(50);
    }
  }

  /** SIGKILL, by the child's own pid; resolves once it is gone. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (a graceful stop), then SIGKILL if it has not ended within `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Values of unlabelled (or summed) series of `/metrics`. */
  async metrics(names: readonly string[]): Promise<Record<string, number>> {
    const text = await (await fetch(`${this.baseUrl}/metrics`)).text();
    const found: Record<string, number> = {};
    for (const line of text.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const space = line.lastIndexOf(' ');
      const name = line.slice(0, space).split('{')[0]!;
      if (names.includes(name))
        found[name] = (found[name] ?? 0) + Number(line.slice(space + 1));
    }
    return found;
  }

  /** Lines of its log by level, and the first few at `error` or worse. */
  logSummary(): { levels: Record<string, number>; errors: string[] } {
    const levels: Record<string, number> = {};
    const errors: string[] = [];
    let text = '';
    try {
      text = readFileSync(this.logFile, 'utf8');
    } catch {
      return { levels, errors };
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const level = /"level":"(\w+)"/.exec(line)?.[1] ?? 'text';
      levels[level] = (levels[level] ?? 0) + 1;
      if ((level === 'error' || level === 'fatal') && errors.length < 5)
        errors.push(line.slice(0, 500));
    }
    return { levels, errors };
  }

  logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-4000);
    } catch {
      return '';
    }
  }
}
