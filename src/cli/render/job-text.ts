import { JOB_STEPS, type JobStep } from '../../domain/events/job.events';
import type { Job } from '../api.types';
import { runningStep, type JobView, type StepState } from '../job-view';
import type { Colors } from './colors';

/** The mark of a step in the step list. */
export function stepMark(state: StepState, c: Colors): string {
  switch (state) {
    case 'done':
      return c.green('✓');
    case 'running':
      return c.cyan('▸');
    case 'failed':
      return c.red('✗');
    case 'pending':
      return c.dim('○');
  }
}

const STEP_WIDTH = Math.max(...JOB_STEPS.map((s) => s.length));

/** One line of the step list: `✓ pre_sync   fetched origin`. */
export function stepLine(
  step: JobStep,
  state: StepState,
  c: Colors,
  detail?: string | null,
): string {
  const name = state === 'pending' ? c.dim(step) : step;
  const text = detail ? `  ${c.dim(detail)}` : '';
  const pad = ' '.repeat(STEP_WIDTH - step.length);
  return `  ${stepMark(state, c)} ${name}${detail ? pad + text : ''}`;
}

/** The step list of a view: the running step with the job's message, done ones with their summary. */
export function stepLines(view: JobView, c: Colors): string[] {
  const running = runningStep(view);
  return JOB_STEPS.map((step) =>
    stepLine(
      step,
      view.steps[step],
      c,
      step === running
        ? view.job.message
        : view.steps[step] === 'done'
          ? view.summaries[step]
          : undefined,
    ),
  );
}

/** `restack_subtree b`, `reparent_branch c onto a`, `undo of <jobId>`. */
export function describeAction(job: Job): string {
  const parts = [job.action];
  if (job.branchName) parts.push(job.branchName);
  if (job.parentBranch)
    parts.push(
      job.action === 'reparent_branch'
        ? `onto ${job.parentBranch}`
        : `on ${job.parentBranch}`,
    );
  if (job.undoOf) parts.push(`of job ${job.undoOf}`);
  return parts.join(' ');
}

/** The status word, coloured by what it means. */
export function statusText(status: Job['status'], c: Colors): string {
  switch (status) {
    case 'completed':
      return c.green(status);
    case 'error':
      return c.red(status);
    case 'cancelled':
      return c.yellow(status);
    case 'queued':
    case 'running':
      return c.cyan(status);
  }
}

/**
 * How a job ended: its summary and the branches it moved; its code and message and, for a
 * conflict, the branch and the files; or that it was cancelled. Nothing while it runs.
 */
export function outcomeLines(job: Job, c: Colors): string[] {
  const short = (sha: string) => sha.slice(0, 7);
  switch (job.status) {
    case 'completed': {
      const lines = [`${statusText('completed', c)}: ${job.message ?? 'done'}`];
      for (const ch of job.result?.changed ?? [])
        lines.push(`  ${ch.branch}  ${short(ch.fromSha)} → ${short(ch.toSha)}`);
      for (const a of job.result?.adopted ?? [])
        lines.push(`  tracked ${a.branch} on ${a.parent}`);
      for (const s of job.result?.skipped ?? [])
        lines.push(`  left ${s.branch} untracked (${s.reason})`);
      return lines;
    }
    case 'error': {
      const error = job.error;
      if (!error) return [`${statusText('error', c)}: ${job.message ?? ''}`];
      const lines = [
        `${statusText('error', c)} ${c.bold(error.code)}: ${error.message}`,
      ];
      if (error.conflict) {
        lines.push(`conflict on branch ${c.bold(error.conflict.branch)}:`);
        for (const file of error.conflict.files) lines.push(`  ${file}`);
      }
      return lines;
    }
    case 'cancelled':
      return [`${statusText('cancelled', c)}: the job was cancelled`];
    case 'queued':
    case 'running':
      return [];
  }
}

/** Everything of a job, for `stackyard job <jobId>`. */
export function jobDetails(job: Job, c: Colors): string[] {
  const field = (name: string, value: string | null | undefined) =>
    value === null || value === undefined || value === ''
      ? []
      : [`${c.dim(`${name}:`.padEnd(11))}${value}`];
  return [
    `${c.bold(`job ${job.jobId}`)}  ${describeAction(job)}`,
    ...field('repo', job.repoId),
    ...field('status', statusText(job.status, c)),
    ...field('attempt', job.attempt > 0 ? String(job.attempt) : null),
    ...field('step', job.step),
    ...field(
      'progress',
      job.progress ? `${job.progress.done}/${job.progress.total}` : null,
    ),
    ...field('message', job.status === 'error' ? null : job.message),
    ...field('cancel', job.cancelRequested ? 'requested' : null),
    ...field('requested', job.requestedAt),
    ...field('started', job.startedAt),
    ...field('finished', job.finishedAt),
    ...outcomeLines(job, c),
  ];
}
