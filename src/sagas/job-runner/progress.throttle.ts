import type { ProgressReporter } from '../../infrastructure/git/operations/stack-operations';

/** One progress report of a step: what it is doing, and how far it is when it knows. */
export interface ProgressUpdate {
  message: string;
  done?: number;
  total?: number;
}

/**
 * Turns a step's progress reports into at most one update per `intervalMs`: a busy step
 * may report per commit, and each update is an event in the job's stream. A report inside
 * the interval is held and sent when it ends; a later one replaces it (the latest message
 * wins). `close()` drops what is held: the step's completion says more than its progress.
 */
export class ProgressThrottle {
  private last = Number.NEGATIVE_INFINITY;
  private pending: ProgressUpdate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly send: (update: ProgressUpdate) => void,
    private readonly intervalMs: number,
    /** A monotonic time in milliseconds. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  readonly report: ProgressReporter = (message, done, total) => {
    if (this.closed) return;
    this.pending = {
      message,
      ...(done !== undefined ? { done } : {}),
      ...(total !== undefined ? { total } : {}),
    };
    const wait = this.last + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  };

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    if (!this.pending) return;
    const update = this.pending;
    this.pending = undefined;
    this.last = this.now();
    this.send(update);
  }
}
