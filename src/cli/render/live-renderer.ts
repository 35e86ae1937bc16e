import { Format, MultiBar, type SingleBar } from 'cli-progress';
import { JOB_STEPS } from '../../domain/events/job.events';
import { runningStep, type Change, type JobView } from '../job-view';
import { outcomeLines, stepLines } from './job-text';
import {
  jobHeader,
  type RenderTarget,
  type WatchRenderer,
} from './watch-renderer';

/** A line of the live region: its text comes with each update, as the bar's payload. */
const asLine = (_o: unknown, _p: unknown, payload: { line?: string }) =>
  payload.line ?? '';

/**
 * For a terminal: a region redrawn in place (by cli-progress, which also hides the cursor
 * and keeps lines to the terminal's width) with the job's header, its step list and, while
 * the running step reports counts, a progress bar. Notes (a branch moved, a retry) are
 * printed above the region and stay.
 */
export class LiveRenderer implements WatchRenderer {
  private readonly bars: MultiBar;
  private header?: SingleBar;
  private readonly steps: SingleBar[] = [];
  private progress?: SingleBar;
  private stopped = false;

  constructor(
    private readonly to: RenderTarget,
    stream: NodeJS.WriteStream,
  ) {
    this.bars = new MultiBar({
      stream,
      hideCursor: true,
      clearOnComplete: false,
      linewrap: false,
      gracefulExit: false,
      fps: 12,
      barsize: 30,
      barCompleteChar: '█',
      barIncompleteChar: '░',
    });
  }

  start(view: JobView): void {
    this.header = this.bars.create(1, 0, { line: '' }, { format: asLine });
    for (let i = 0; i < JOB_STEPS.length; i++)
      this.steps.push(this.bars.create(1, 0, { line: '' }, { format: asLine }));
    this.draw(view);
  }

  update(view: JobView, changes: readonly Change[]): void {
    for (const change of changes)
      if (change.kind === 'note') this.bars.log(`  · ${change.text}\n`);
    this.draw(view);
  }

  reconnecting(reason: string): void {
    this.bars.log(
      `  ${this.to.c.yellow('·')} event stream lost (${reason}); resuming\n`,
    );
  }

  finish(view: JobView): void {
    this.draw(view);
    this.stop();
    for (const line of outcomeLines(view.job, this.to.c)) this.to.out(line);
  }

  abort(): void {
    this.stop();
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bars.stop();
  }

  private draw(view: JobView): void {
    const { c } = this.to;
    this.header?.update(0, { line: jobHeader(view, c) });
    stepLines(view, c).forEach((line, i) => this.steps[i]?.update(0, { line }));
    const p = view.job.progress;
    if (p && p.total > 0 && runningStep(view)) {
      this.progress ??= this.bars.create(
        p.total,
        p.done,
        {},
        {
          format: (options, params) =>
            `    ${c.cyan(Format.BarFormat(params.progress, options))} ${params.value}/${params.total}`,
        },
      );
      this.progress.setTotal(p.total);
      this.progress.update(p.done);
    } else if (this.progress) {
      this.bars.remove(this.progress);
      this.progress = undefined;
    }
  }
}
