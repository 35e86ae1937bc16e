import { ApiError, eventsUrl } from './api.js';
import { Coalescer } from './coalesce.js';
import { h } from './dom.js';
import { EVENT_TYPES, isJobEvent, isJobTimelineEvent } from './events.js';
import { isNewer } from './jobs-view.js';
import { jobTimeline } from './job-timeline.js';
import { renderJobPage } from './job-view.js';
import { LiveStream, type LiveState } from './live.js';
import * as api from './routes.js';
import type { HistoryItem, Job, LiveEvent } from './types.js';

/** What a job page asks of the app around it. */
export interface JobPageHost {
  report(error: unknown): void;
  live(state: LiveState): void;
  /** The job's repo, once known: the side list marks it. */
  repo(repoId: string): void;
  /** A repo's name, when the side list has it. */
  repoName(repoId: string): string | undefined;
  /** Shows another job's page (the undo job this page started). */
  open(jobId: string): void;
}

/**
 * One job (`#/jobs/<jobId>`): its request, steps, retries, outcome and moved branches, kept
 * current from the job's own SSE stream. The events are read first and the stream resumes
 * after them, so nothing falls between; each event after that is added to the timeline as
 * it comes and re-reads the job (status, progress, result) at its position.
 */
export class JobPage {
  readonly element: HTMLElement;
  private job: Job | null = null;
  private readonly events = new Map<number, HistoryItem>();
  private readonly reads: Coalescer;
  private live: LiveStream | undefined;
  private disposed = false;
  private undoing = false;

  constructor(
    private readonly jobId: string,
    private readonly host: JobPageHost,
  ) {
    this.element = h(
      'section',
      { class: 'job-page', 'data-testid': 'job-page', 'data-job-id': jobId },
      h('p', { class: 'muted' }, 'Loading the job…'),
    );
    this.reads = new Coalescer((error) => this.host.report(error));
  }

  async start(): Promise<void> {
    let read: Awaited<ReturnType<typeof api.readJobEvents>>;
    try {
      read = await api.readJobEvents(this.jobId, undefined);
    } catch (error) {
      // Another org's job is not found either: the page says so, not only the banner.
      if (error instanceof ApiError && error.code === 'JOB.NOT_FOUND') {
        this.element.replaceChildren(
          h(
            'p',
            { class: 'muted', 'data-testid': 'job-not-found' },
            `No job ${this.jobId}.`,
          ),
        );
      }
      throw error;
    }
    const { items, position } = read;
    if (this.disposed) return;
    for (const item of items) this.events.set(item.position, item);
    this.putJob(await api.readJob(this.jobId));
    if (this.disposed) return;
    this.live = new LiveStream(
      {
        url: (lastEventId) => eventsUrl({ jobId: this.jobId }, lastEventId),
        types: EVENT_TYPES,
        onEvent: (event) => this.onEvent(event),
        onState: (state) => this.host.live(state),
        // What the stream replays may not be all that was missed: read both again.
        onReconnected: () => {
          this.readEvents(undefined);
          this.readJob(undefined);
        },
      },
      Math.max(position, this.newest() ?? 0),
    );
    this.live.start();
  }

  dispose(): void {
    this.disposed = true;
    this.live?.stop();
  }

  /** The repo's name came (the side list was read): the link back may say it. */
  refresh(): void {
    this.render();
  }

  private onEvent(event: LiveEvent): void {
    // The job's stream also carries the branch events its steps wrote to the repo.
    if (event.jobId !== this.jobId || !isJobEvent(event.type)) return;
    if (isJobTimelineEvent(event.type) && !this.events.has(event.position)) {
      const { plan: _plan, ...data } = event.data;
      this.events.set(event.position, { ...event, actor: null, data });
    }
    this.readJob(event.position);
  }

  private newest(): number | undefined {
    let max: number | undefined;
    for (const position of this.events.keys())
      if (max === undefined || position > max) max = position;
    return max;
  }

  private readJob(position: number | undefined): void {
    this.reads.request('job', position, async (minPosition) => {
      this.putJob(await api.readJob(this.jobId, minPosition));
    });
  }

  private readEvents(position: number | undefined): void {
    this.reads.request('events', position, async (minPosition) => {
      const { items } = await api.readJobEvents(
        this.jobId,
        this.newest(),
        minPosition,
      );
      if (this.disposed) return;
      // Read entries carry who caused them; they replace what the stream gave.
      for (const item of items) this.events.set(item.position, item);
      this.render();
    });
  }

  private putJob(job: Job): void {
    if (this.disposed) return;
    if (this.job && !isNewer(job, this.job)) {
      this.render();
      return;
    }
    const first = this.job === null;
    this.job = job;
    if (first) this.host.repo(job.repoId);
    this.render();
  }

  private render(): void {
    const job = this.job;
    if (!job || this.disposed) return;
    const events = [...this.events.values()];
    this.element.dataset.status = job.status;
    this.element.replaceChildren(
      ...renderJobPage(
        job,
        jobTimeline(events),
        events,
        this.host.repoName(job.repoId),
        {
          cancel: () => this.cancel(),
          undo: () => this.undo(),
          undoing: this.undoing,
        },
      ),
    );
  }

  private cancel(): void {
    api.cancelJob(this.jobId).then(
      (job) => this.putJob(job),
      (error: unknown) => this.host.report(error),
    );
  }

  /** Queues the undo job and shows its page, which follows it live. */
  private undo(): void {
    this.undoing = true;
    this.render();
    api.undoJob(this.jobId).then(
      (job) => {
        this.undoing = false;
        if (!this.disposed) this.host.open(job.jobId);
      },
      (error: unknown) => {
        this.undoing = false;
        this.render();
        this.host.report(error);
      },
    );
  }
}
