import { JOB_STEPS, type JobStep } from '../../domain/events/job.events';
import type { Change, JobView } from '../job-view';
import type { Colors } from './colors';
import { describeAction, outcomeLines, statusText, stepLine } from './job-text';

/** What a watch shows while a job runs; one implementation per kind of output. */
export interface WatchRenderer {
  /** The job as first read. */
  start(view: JobView): void;
  /** After each event, with what it changed. */
  update(view: JobView, changes: readonly Change[]): void;
  /** The event stream was lost and is being resumed. */
  reconnecting(reason: string): void;
  /** The job as finally read: leaves the step list and prints the outcome. */
  finish(view: JobView): void;
  /** Ctrl-C: put the terminal back as it was. */
  abort(): void;
}

/** Where a renderer writes: standard output, and standard error for notices. */
export interface RenderTarget {
  out: (line: string) => void;
  err: (line: string) => void;
  c: Colors;
}

export const jobHeader = (view: JobView, c: Colors): string =>
  `${c.bold(`job ${view.job.jobId}`)}  ${describeAction(view.job)}  ${statusText(view.job.status, c)}${
    view.job.attempt > 1 ? c.dim(` (attempt ${view.job.attempt})`) : ''
  }`;

/**
 * For output that is not a terminal (a pipe, a file, CI logs): one line per change, written
 * once and never redrawn, so the log reads top to bottom.
 */
export class PlainRenderer implements WatchRenderer {
  constructor(private readonly to: RenderTarget) {}

  start(view: JobView): void {
    this.to.out(jobHeader(view, this.to.c));
    for (const step of JOB_STEPS)
      if (view.steps[step] !== 'pending')
        this.to.out(stepLine(step, view.steps[step], this.to.c));
  }

  update(view: JobView, changes: readonly Change[]): void {
    const { c } = this.to;
    for (const change of changes) {
      switch (change.kind) {
        case 'status':
          this.to.out(
            `${statusText(view.job.status, c)} (attempt ${view.job.attempt})`,
          );
          break;
        case 'step':
          this.to.out(stepLine(change.step, change.state, c, change.summary));
          break;
        case 'progress':
          this.to.out(progressLine(view, change.step, c));
          break;
        case 'note':
          this.to.out(`  ${c.dim('·')} ${change.text}`);
          break;
        case 'end':
          break;
      }
    }
  }

  reconnecting(reason: string): void {
    this.to.err(`event stream lost (${reason}); resuming`);
  }

  finish(view: JobView): void {
    for (const line of outcomeLines(view.job, this.to.c)) this.to.out(line);
  }

  abort(): void {}
}

function progressLine(view: JobView, step: JobStep, c: Colors): string {
  const p = view.job.progress;
  const count = p ? ` ${p.done}/${p.total}` : '';
  return `    ${c.dim(step)}${count}  ${view.job.message ?? ''}`.trimEnd();
}

/** Prints nothing: `--json` writes the final job resource alone. */
export class SilentRenderer implements WatchRenderer {
  start(): void {}
  update(): void {}
  reconnecting(): void {}
  finish(): void {}
  abort(): void {}
}
