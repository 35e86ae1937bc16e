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
  private readonly lines: SingleBar[] = [];
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
    // A region of fixed height (header, steps, progress): lines are never added or taken
    // away while it is drawn, so the redraw always finds its top again.
    for (let i = 0; i <= JOB_STEPS.length; i++)
      this.lines.push(this.bars.create(1, 0, { line: '' }, { format: asLine }));
    const c = this.to.c;
    this.progress = this.bars.create(
      1,
      0,
      { show: false },
      {
        format: (options, params, payload: { show: boolean }) =>
          payload.show
            ? `    ${c.cyan(Format.BarFormat(params.progress, options))} ${params.value}/${params.total}`
            : '',
      },
    );
    this.draw(view);
  }

  update(view: JobView, changes: readonly Change[]): void {
    // What the job did to the stack is in its outcome; above the region go only the
    // notes about the job itself (a retry, an interruption, a cancel).
    for (const change of changes)
      if (change.kind === 'note' && change.about === 'job')
        this.bars.log(`  · ${change.text}\n`);
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
    const texts = [jobHeader(view, this.to.c), ...stepLines(view, this.to.c)];
    texts.forEach((line, i) => this.lines[i]?.update(0, { line }));
    const p = view.job.progress;
    if (p && p.total > 0 && runningStep(view)) {
      this.progress?.setTotal(p.total);
      this.progress?.update(p.done, { show: true });
    } else this.progress?.update(0, { show: false });
  }
}
