import { badge, clock, h } from './dom.js';
import { jobHref } from './hash-route.js';
import type { Job } from './types.js';

const ACTIVE = new Set(['queued', 'running']);

/** Newest request first; ties (same millisecond) by job id, as the API orders them. */
export function newestFirst(a: Job, b: Job): number {
  if (a.requestedAt !== b.requestedAt) {
    return a.requestedAt < b.requestedAt ? 1 : -1;
  }
  return a.jobId < b.jobId ? 1 : a.jobId > b.jobId ? -1 : 0;
}

/**
 * Whether `next` may replace `known`: a read can come back older than what an event-driven
 * read already showed (a 202 body after the job started), and must not move it back.
 */
export function isNewer(next: Job, known: Job | undefined): boolean {
  if (!known) return true;
  if (next.updatedAt && known.updatedAt) {
    return next.updatedAt >= known.updatedAt;
  }
  return true;
}

/**
 * One card per job, newest first, each linking to its page; Cancel on jobs not finished.
 * `empty` says why there is none (no job yet, or none the filter lets through).
 */
export function renderJobs(
  jobs: readonly Job[],
  cancel: (jobId: string) => void,
  empty = 'No jobs yet.',
): HTMLElement {
  if (jobs.length === 0) {
    return h('p', { class: 'muted', 'data-testid': 'job-list-empty' }, empty);
  }
  return h(
    'ol',
    { class: 'cards', 'data-testid': 'job-list' },
    ...[...jobs].sort(newestFirst).map((job) => jobCard(job, cancel)),
  );
}

function jobCard(job: Job, cancel: (jobId: string) => void) {
  return h(
    'li',
    {
      class: `card job job-${job.status}`,
      'data-testid': 'job-card',
      'data-job-id': job.jobId,
      'data-status': job.status,
    },
    h(
      'div',
      { class: 'card-head' },
      badge(job.status, 'job-status'),
      // The action is the link to the job's page.
      h(
        'strong',
        {},
        h(
          'a',
          {
            href: jobHref(job.jobId),
            'data-testid': 'job-action',
            title: 'Open the job',
          },
          job.action,
        ),
      ),
      job.branchName &&
        h('span', { 'data-testid': 'job-branch' }, job.branchName),
      job.parentBranch &&
        h('span', { class: 'muted' }, `→ ${job.parentBranch}`),
      h(
        'span',
        { class: 'muted right', title: job.jobId },
        clock(job.requestedAt),
      ),
    ),
    h(
      'div',
      { class: 'card-body' },
      job.step &&
        h('span', { class: 'step', 'data-testid': 'job-step' }, job.step),
      job.progress &&
        h(
          'span',
          { 'data-testid': 'job-progress' },
          `${job.progress.done}/${job.progress.total}`,
        ),
      job.message && h('span', { 'data-testid': 'job-message' }, job.message),
      job.attempt > 1 &&
        h('span', { class: 'muted' }, `attempt ${job.attempt}`),
      ACTIVE.has(job.status) &&
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'job-cancel',
            disabled: job.cancelRequested === true,
            onclick: () => cancel(job.jobId),
          },
          job.cancelRequested ? 'Cancelling…' : 'Cancel',
        ),
    ),
    job.status === 'error' && job.error && jobError(job.error),
  );
}

function jobError(error: NonNullable<Job['error']>) {
  return h(
    'div',
    { class: 'job-error', 'data-testid': 'job-error' },
    h('code', { 'data-testid': 'job-error-code' }, error.code),
    h('span', { 'data-testid': 'job-error-message' }, error.message),
    error.conflict &&
      h(
        'div',
        { class: 'conflict' },
        'Conflict on ',
        h(
          'strong',
          { 'data-testid': 'job-error-branch' },
          error.conflict.branch,
        ),
        h(
          'ul',
          { 'data-testid': 'job-error-files' },
          ...error.conflict.files.map((f) => h('li', {}, h('code', {}, f))),
        ),
      ),
  );
}
