import { eventsUrl } from './api.js';
import { Coalescer } from './coalesce.js';
import { EVENT_TYPES, refreshesOf } from './events.js';
import { HistoryPanel } from './history-view.js';
import { filterJobs, isFiltered, type JobFilter } from './job-filter.js';
import { jobFilterForm } from './job-filter-view.js';
import { isNewer, renderJobs } from './jobs-view.js';
import { LiveStream, type LiveState } from './live.js';
import { repoLayout, type RepoLayout } from './repo-layout.js';
import * as api from './routes.js';
import { hooksLine } from './hooks-view.js';
import { renderStack, renderUntracked } from './stack-view.js';
import { TaskForm, type NewTask } from './task-form.js';
import { renderTasks, upsertTask } from './tasks-view.js';
import {
  type ActionRequest,
  type Job,
  type LiveEvent,
  type Repo,
  type Task,
} from './types.js';

/** What a repo page reports to the app around it. */
export interface PageHost {
  report(error: unknown): void;
  live(state: LiveState): void;
}

const JOB_PAGE = 20;

/**
 * One selected repo: stack, jobs, tasks and timeline, kept current from its SSE stream.
 * Each event refreshes only the resources it concerns, reading with `minPosition` (the
 * server answers once its read models include that event), one read per resource at a
 * time.
 */
export class RepoPage {
  private repo: Repo | null = null;
  private readonly jobs = new Map<string, Job>();
  private tasks: Task[] | null = [];
  /** Jobs read on their own (a branch's last job older than the jobs page). */
  private readonly asked = new Set<string>();
  private readonly choices = new Map<string, string>();
  private readonly reads: Coalescer;
  private readonly history: HistoryPanel;
  private readonly taskForm: TaskForm;
  private live: LiveStream | undefined;
  private disposed = false;
  private readonly layout: RepoLayout;
  /** The job list shows only the jobs this lets through. */
  private filter: JobFilter = {};

  constructor(
    private readonly repoId: string,
    private readonly host: PageHost,
  ) {
    this.reads = new Coalescer((error) => this.host.report(error));
    this.history = new HistoryPanel(repoId, (error) => this.host.report(error));
    this.taskForm = new TaskForm(
      (body) => this.createTask(body),
      (error) => this.host.report(error),
    );
    this.layout = repoLayout(
      repoId,
      (request) => this.act(request),
      this.taskForm.element,
      jobFilterForm((filter) => this.setFilter(filter)),
      this.history.element,
    );
  }

  get element(): HTMLElement {
    return this.layout.element;
  }

  async start(): Promise<void> {
    // The timeline is read first and the stream resumes after its newest event, so that an
    // event between the reads and the stream's start is not missed.
    const newest = await this.history.load();
    if (this.disposed) return;
    this.loadAll();
    this.live = new LiveStream(
      {
        url: (lastEventId) => eventsUrl({ repoId: this.repoId }, lastEventId),
        types: EVENT_TYPES,
        onEvent: (event) => this.onEvent(event),
        onState: (state) => this.host.live(state),
        // Replay covers what was missed, but one fresh read is cheap and certain.
        onReconnected: () => this.loadAll(),
      },
      newest,
    );
    this.live.start();
  }

  dispose(): void {
    this.disposed = true;
    this.live?.stop();
  }

  private onEvent(event: LiveEvent): void {
    this.history.add(event);
    for (const refresh of refreshesOf(event)) {
      if (refresh.kind === 'job') this.readJob(refresh.jobId, event.position);
      else if (refresh.kind === 'repo') this.readRepo(event.position);
      else this.readTasks(event.position);
    }
  }

  private loadAll(): void {
    this.readRepo(undefined);
    this.readJobs();
    this.readTasks(undefined);
  }

  private readRepo(position: number | undefined): void {
    this.reads.request('repo', position, async (minPosition) => {
      const repo = await api.readRepo(this.repoId, minPosition);
      if (this.disposed) return;
      this.repo = repo;
      this.renderRepo();
    });
  }

  /** The newest jobs, of the filter when one is set (older matches the page lacks). */
  private readJobs(): void {
    this.reads.request('jobs', undefined, async () => {
      // A filter set while this read is out asks for one more, with it.
      for (const job of await api.readJobs(this.repoId, JOB_PAGE, this.filter))
        this.putJob(job);
    });
  }

  private setFilter(filter: JobFilter): void {
    this.filter = filter;
    this.renderJobs();
    this.readJobs();
  }

  /** The known jobs the filter lets through; live events keep them current. */
  private renderJobs(): void {
    this.layout.jobs.replaceChildren(
      renderJobs(
        filterJobs([...this.jobs.values()], this.filter),
        (id) => this.cancel(id),
        isFiltered(this.filter) ? 'No job matches.' : 'No jobs yet.',
      ),
    );
  }

  private readJob(jobId: string, position: number | undefined): void {
    this.asked.add(jobId);
    this.reads.request(`job:${jobId}`, position, async (minPosition) => {
      this.putJob(await api.readJob(jobId, minPosition));
    });
  }

  private readTasks(position: number | undefined): void {
    this.reads.request('tasks', position, async (minPosition) => {
      const tasks = await api.readTasks(this.repoId, minPosition);
      if (this.disposed) return;
      this.tasks = tasks;
      this.layout.tasks.replaceChildren(renderTasks(tasks));
      this.renderRepo();
    });
  }

  private putJob(job: Job): void {
    const known = this.jobs.get(job.jobId);
    if (this.disposed || !isNewer(job, known)) return;
    this.jobs.set(job.jobId, job);
    this.renderJobs();
    // The tree shows last-job badges; progress ticks alone need not rebuild it.
    if (known?.status !== job.status) this.renderRepo();
  }

  private renderRepo(): void {
    const repo = this.repo;
    if (!repo || this.disposed) return;
    this.layout.title.textContent = repo.name;
    this.layout.hooks.replaceChildren(...hooksLine(repo));
    const ctx = {
      job: (id: string) => this.jobs.get(id),
      task: (id: string) => this.tasks?.find((t) => t.taskId === id),
      choices: this.choices,
      act: (request: ActionRequest) => this.act(request),
    };
    this.layout.stack.replaceChildren(renderStack(repo, ctx));
    this.layout.untracked.replaceChildren(renderUntracked(repo, ctx));
    this.taskForm.update(repo);
    for (const branch of repo.branches) {
      const id = branch.lastJobId;
      if (id && !this.jobs.has(id) && !this.asked.has(id))
        this.readJob(id, undefined);
    }
  }

  private act(request: ActionRequest): void {
    // The 202 body is the queued job: shown at once, then moved on by the stream.
    api.requestAction(this.repoId, request).then(
      (job) => this.putJob(job),
      (error: unknown) => this.host.report(error),
    );
  }

  private cancel(jobId: string): void {
    api.cancelJob(jobId).then(
      (job) => this.putJob(job),
      (error: unknown) => this.host.report(error),
    );
  }

  private async createTask(body: NewTask): Promise<void> {
    const task = await api.createTask(this.repoId, body);
    if (this.disposed) return;
    this.tasks = upsertTask(this.tasks ?? [], task);
    this.layout.tasks.replaceChildren(renderTasks(this.tasks));
  }
}
