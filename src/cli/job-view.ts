import { JOB_STEPS, type JobStep } from '../domain/events/job.events';
import { isFinalStatus } from '../domain/job/job-status';
import { Job, type StreamedEvent } from './api.types';

export type StepState = 'pending' | 'running' | 'done' | 'failed';

/** What a watcher shows of a job: its resource, with its steps and progress kept live. */
export interface JobView {
  job: Job;
  steps: Record<JobStep, StepState>;
  /** What each step said when it completed, as far as this watch saw it. */
  summaries: Partial<Record<JobStep, string>>;
}

/**
 * What one event changed, for a renderer that prints lines: a step that started or
 * completed, progress, a note (retry, interruption, a branch the job moved), or the end.
 */
export type Change =
  | { kind: 'status' }
  | { kind: 'step'; step: JobStep; state: StepState; summary?: string }
  | { kind: 'progress'; step: JobStep }
  | { kind: 'note'; about: 'job' | 'stack'; text: string }
  | { kind: 'end' };

const isStep = (step: unknown): step is JobStep =>
  typeof step === 'string' && (JOB_STEPS as readonly string[]).includes(step);

/** The step the job is in, if it is running one now. */
export function runningStep(view: JobView): JobStep | undefined {
  return JOB_STEPS.find(
    (step) => step === view.job.step && view.steps[step] === 'running',
  );
}

/**
 * The steps as a job resource tells them: steps run in order, so those before the current
 * one are done. A watcher starts from this and moves on with {@link applyEvent}.
 */
export function viewOf(job: Job): JobView {
  const current = isStep(job.step) ? JOB_STEPS.indexOf(job.step) : -1;
  const stateAt = (i: number): StepState => {
    if (job.status === 'completed') return 'done';
    if (i < current) return 'done';
    if (i > current) return 'pending';
    if (job.status === 'running') return 'running';
    if (job.status === 'error') return 'failed';
    return 'pending';
  };
  const steps = Object.fromEntries(
    JOB_STEPS.map((step, i) => [step, stateAt(i)]),
  ) as Record<JobStep, StepState>;
  return { job, steps, summaries: {} };
}

/**
 * Folds one event of the job's stream (or one the job caused elsewhere, a branch it moved)
 * into the view. An event seen twice (a read and a stream that overlap) changes nothing
 * the next events do not set right again.
 */
export function applyEvent(
  view: JobView,
  event: StreamedEvent,
): { view: JobView; changes: Change[] } {
  if (isFinalStatus(view.job.status)) return { view, changes: [] };
  const d = event.data;
  const job: Job = { ...view.job };
  const steps = { ...view.steps };
  const summaries = { ...view.summaries };
  const changes: Change[] = [];
  const step = isStep(d.step) ? d.step : undefined;
  const unfinished = (to: StepState) => {
    for (const s of JOB_STEPS)
      if (steps[s] === 'running') {
        steps[s] = to;
        if (to === 'failed') changes.push({ kind: 'step', step: s, state: to });
      }
  };
  switch (event.type) {
    case 'RepoActionStarted': {
      const attempt = num(d.attempt) ?? job.attempt;
      if (job.status === 'running' && job.attempt === attempt) break;
      job.status = 'running';
      job.attempt = attempt;
      unfinished('pending');
      changes.push({ kind: 'status' });
      break;
    }
    case 'RepoActionStepStarted':
      if (!step || (job.step === step && steps[step] === 'running')) break;
      job.step = step;
      job.progress = null;
      // The job's message is the last step's summary until this one says something.
      job.message = null;
      // Steps run in order: those before it are done, whether or not this watch saw them end.
      for (const earlier of JOB_STEPS.slice(0, JOB_STEPS.indexOf(step)))
        if (steps[earlier] !== 'done') {
          steps[earlier] = 'done';
          changes.push({ kind: 'step', step: earlier, state: 'done' });
        }
      steps[step] = 'running';
      // A step started again (a resumed attempt) runs the ones after it again too.
      for (const later of JOB_STEPS.slice(JOB_STEPS.indexOf(step) + 1))
        steps[later] = 'pending';
      changes.push({ kind: 'step', step, state: 'running' });
      break;
    case 'RepoActionProgressed': {
      if (!step) break;
      job.step = step;
      job.message = str(d.message) ?? job.message;
      const done = num(d.done);
      const total = num(d.total);
      job.progress =
        done !== undefined && total !== undefined ? { done, total } : null;
      if (steps[step] === 'pending') steps[step] = 'running';
      changes.push({ kind: 'progress', step });
      break;
    }
    case 'RepoActionStepCompleted': {
      if (!step || steps[step] === 'done') break;
      const summary = str(d.summary);
      job.message = summary ?? job.message;
      steps[step] = 'done';
      if (summary !== undefined) summaries[step] = summary;
      changes.push({ kind: 'step', step, state: 'done', summary });
      break;
    }
    case 'RepoActionRetryScheduled':
      job.status = 'queued';
      unfinished('pending');
      job.message = `retry ${num(d.attempt) ?? '?'} at ${str(d.retryAt) ?? '?'}: ${str(d.reason) ?? ''}`;
      changes.push({ kind: 'note', about: 'job', text: job.message });
      break;
    case 'RepoActionInterrupted':
      job.status = 'queued';
      unfinished('pending');
      job.message = 'interrupted; will resume';
      changes.push({
        kind: 'note',
        about: 'job',
        text: 'interrupted; the job will resume',
      });
      break;
    case 'RepoActionCancelRequested':
      job.cancelRequested = true;
      changes.push({
        kind: 'note',
        about: 'job',
        text: 'cancel requested: the job stops at its next step boundary',
      });
      break;
    case 'RepoActionCompleted':
      job.status = 'completed';
      job.message = str(d.summary) ?? job.message;
      job.finishedAt = event.at;
      job.result = Job.shape.result.safeParse(d).data ?? null;
      changes.push({ kind: 'end' });
      break;
    case 'RepoActionFailed':
      job.status = 'error';
      job.message = str(d.message) ?? job.message;
      job.finishedAt = event.at;
      job.error = Job.shape.error.safeParse(d).data ?? null;
      unfinished('failed');
      changes.push({ kind: 'end' });
      break;
    case 'RepoActionCancelled':
      job.status = 'cancelled';
      job.finishedAt = event.at;
      unfinished('pending');
      changes.push({ kind: 'end' });
      break;
    default: {
      const text = noteOf(event);
      if (text) changes.push({ kind: 'note', about: 'stack', text });
    }
  }
  return { view: { job, steps, summaries }, changes };
}

/** A line for what the job did to the stack, from the repo events it caused. */
function noteOf(event: StreamedEvent): string | undefined {
  const d = event.data;
  const short = (sha: unknown) => (str(sha) ?? '').slice(0, 7);
  switch (event.type) {
    case 'BranchTracked':
      return `tracked ${str(d.branch)} on ${str(d.parent)}`;
    case 'BranchRestacked':
      return d.fromSha === d.toSha
        ? `${str(d.branch)} already on its parent`
        : `restacked ${str(d.branch)} ${short(d.fromSha)} → ${short(d.toSha)}`;
    case 'BranchReparented':
      return `moved ${str(d.branch)} from ${str(d.from)} onto ${str(d.to)}`;
    case 'BranchUntracked':
      return `untracked ${str(d.branch)} (${str(d.reason)})`;
    default:
      return undefined;
  }
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : undefined;
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
