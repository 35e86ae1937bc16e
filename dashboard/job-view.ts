import { badge, clock, h, shortSha } from './dom.js';
import { repoHref, jobHref } from './hash-route.js';
import { summary } from './history-view.js';
import {
  formatDuration,
  type JobTimeline,
  progressShare,
  type StepRun,
} from './job-timeline.js';
import type { HistoryItem, Job } from './types.js';

const ACTIVE = new Set(['queued', 'running']);

/** What the job page's buttons do. */
export interface JobActions {
  cancel(): void;
  undo(): void;
  /** An undo request is on its way: the button waits for its answer. */
  undoing: boolean;
}

/** Whether the job may be undone: it says so, or (an older service) it completed with moves. */
export const canUndo = (job: Job): boolean =>
  job.undoable ??
  (job.status === 'completed' && (job.result?.changed.length ?? 0) > 0);

/**
 * The job page: the request, live progress, the steps as a timeline, retries, the error,
 * the branches it moved, and every event. `repoName` labels the link back to its repo.
 */
export function renderJobPage(
  job: Job,
  timeline: JobTimeline,
  events: readonly HistoryItem[],
  repoName: string | undefined,
  actions: JobActions,
): HTMLElement[] {
  return [
    head(job, actions),
    request(job, timeline, repoName),
    progress(job),
    panel('Steps', 'job-steps-panel', steps(timeline.steps)),
    timeline.retries.length > 0 &&
      panel('Retries', 'job-retries-panel', retries(timeline)),
    job.error && panel('Error', 'job-error-panel', jobError(job.error)),
    job.result && panel('Branches moved', 'job-moved-panel', moved(job)),
    panel('Events', 'job-events-panel', eventList(events)),
  ].filter((part): part is HTMLElement => part instanceof HTMLElement);
}

function head(job: Job, actions: JobActions): HTMLElement {
  return h(
    'div',
    { class: 'repo-head' },
    h('h2', { 'data-testid': 'job-page-action' }, job.action),
    badge(job.status, 'job-page-status'),
    job.branchName && h('span', {}, job.branchName),
    ACTIVE.has(job.status) &&
      h(
        'button',
        {
          type: 'button',
          'data-testid': 'job-page-cancel',
          disabled: job.cancelRequested === true,
          onclick: () => actions.cancel(),
        },
        job.cancelRequested ? 'Cancelling…' : 'Cancel',
      ),
    canUndo(job) &&
      h(
        'button',
        {
          type: 'button',
          'data-testid': 'job-page-undo',
          disabled: actions.undoing,
          title: 'Move the branches back where they were before this job',
          onclick: () => actions.undo(),
        },
        actions.undoing ? 'Undoing…' : 'Undo',
      ),
  );
}

function request(
  job: Job,
  timeline: JobTimeline,
  repoName: string | undefined,
): HTMLElement {
  const row = (label: string, testid: string, value: Node | string) =>
    h('div', {}, h('dt', {}, label), h('dd', { 'data-testid': testid }, value));
  const requested = timeline.requested;
  return h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Request'),
    h(
      'dl',
      { class: 'facts', 'data-testid': 'job-request' },
      row(
        'Repository',
        'job-request-repo',
        h('a', { href: repoHref(job.repoId) }, repoName ?? job.repoId),
      ),
      row('Action', 'job-request-action', job.action),
      row('Branch', 'job-request-branch', job.branchName ?? '—'),
      row('Parent', 'job-request-parent', job.parentBranch ?? '—'),
      row(
        'Requested by',
        'job-request-actor',
        requested?.actor ?? 'not recorded',
      ),
      row(
        'Requested at',
        'job-request-at',
        h('time', { datetime: job.requestedAt }, stamp(job.requestedAt)),
      ),
      job.undoOf
        ? row(
            'Undo of',
            'job-undo-of',
            h('a', { href: jobHref(job.undoOf) }, job.undoOf),
          )
        : null,
      job.taskId ? row('Task', 'job-request-task', job.taskId) : null,
      row('Job', 'job-request-id', h('code', {}, job.jobId)),
      row(
        'Attempts',
        'job-request-attempts',
        timeline.attempts.length === 0
          ? '—'
          : timeline.attempts
              .map((a) =>
                a.worker ? `${a.attempt} (${a.worker})` : `${a.attempt}`,
              )
              .join(', '),
      ),
      job.finishedAt
        ? row(
            'Finished',
            'job-request-finished',
            `${stamp(job.finishedAt)} (${formatDuration(Date.parse(job.finishedAt) - Date.parse(job.requestedAt))} after the request)`,
          )
        : null,
    ),
  );
}

/** Step, message and a bar of done/total while the job runs (or waits for its next try). */
function progress(job: Job): HTMLElement | null {
  if (!ACTIVE.has(job.status)) return null;
  const p = job.progress;
  return h(
    'section',
    { class: 'panel job-progress', 'data-testid': 'job-progress' },
    h(
      'div',
      { class: 'card-head' },
      job.step &&
        h(
          'span',
          { class: 'step', 'data-testid': 'job-progress-step' },
          job.step,
        ),
      job.message &&
        h('span', { 'data-testid': 'job-progress-message' }, job.message),
    ),
    p
      ? h(
          'div',
          { class: 'bar-row' },
          h(
            'progress',
            {
              'data-testid': 'job-progress-bar',
              max: p.total,
              value: p.done,
              'aria-label': `${p.done} of ${p.total}`,
            },
            `${Math.round(progressShare(p) * 100)}%`,
          ),
          h(
            'span',
            { 'data-testid': 'job-progress-text' },
            `${p.done}/${p.total}`,
          ),
        )
      : h(
          'p',
          { class: 'muted' },
          job.status === 'queued' ? 'Waiting for its turn.' : 'No count yet.',
        ),
  );
}

function steps(runs: readonly StepRun[]): HTMLElement {
  if (runs.length === 0) return h('p', { class: 'muted' }, 'No step yet.');
  return h(
    'table',
    { class: 'steps', 'data-testid': 'job-steps' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Step', 'Try', 'Start', 'End', 'Duration', 'Outcome', ''].map((t) =>
          h('th', {}, t),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      ...runs.map((run) =>
        h(
          'tr',
          {
            'data-testid': 'job-step-row',
            'data-step': run.step,
            'data-outcome': run.outcome,
          },
          h('td', { class: 'step' }, run.step),
          h('td', {}, run.attempt),
          h(
            'td',
            { 'data-testid': 'job-step-start' },
            h('time', { datetime: run.startedAt }, stamp(run.startedAt)),
          ),
          h(
            'td',
            { 'data-testid': 'job-step-end' },
            run.endedAt
              ? h('time', { datetime: run.endedAt }, stamp(run.endedAt))
              : '…',
          ),
          h(
            'td',
            { 'data-testid': 'job-step-duration' },
            run.durationMs === null
              ? 'running'
              : formatDuration(run.durationMs),
          ),
          h('td', {}, badge(run.outcome, 'job-step-outcome')),
          h('td', { class: 'muted' }, run.note ?? ''),
        ),
      ),
    ),
  );
}

function retries(timeline: JobTimeline): HTMLElement {
  return h(
    'ol',
    { class: 'plain', 'data-testid': 'job-retries' },
    ...timeline.retries.map((r) =>
      h(
        'li',
        { 'data-testid': 'job-retry', 'data-attempt': r.attempt },
        h('time', { datetime: r.at }, stamp(r.at)),
        ` try ${r.attempt} at `,
        h('time', { datetime: r.retryAt }, stamp(r.retryAt)),
        ': ',
        h('span', { 'data-testid': 'job-retry-reason' }, r.reason),
      ),
    ),
  );
}

function jobError(error: NonNullable<Job['error']>): HTMLElement {
  return h(
    'div',
    { class: 'job-error', 'data-testid': 'job-page-error' },
    h('code', { 'data-testid': 'job-page-error-code' }, error.code),
    h('span', { 'data-testid': 'job-page-error-message' }, error.message),
    error.conflict &&
      h(
        'div',
        { class: 'conflict' },
        'Conflict on ',
        h(
          'strong',
          { 'data-testid': 'job-page-error-branch' },
          error.conflict.branch,
        ),
        h(
          'ul',
          { 'data-testid': 'job-page-error-files' },
          ...error.conflict.files.map((f) => h('li', {}, h('code', {}, f))),
        ),
      ),
  );
}

function moved(job: Job): HTMLElement {
  const result = job.result!;
  const sha = (value: string, testid: string) =>
    h(
      'code',
      { 'data-testid': testid, 'data-sha': value, title: value },
      shortSha(value),
    );
  return h(
    'div',
    {},
    result.changed.length === 0
      ? h(
          'p',
          { class: 'muted', 'data-testid': 'job-moved-none' },
          'It moved no branch.',
        )
      : h(
          'table',
          { class: 'steps', 'data-testid': 'job-moved' },
          h(
            'thead',
            {},
            h('tr', {}, h('th', {}, 'Branch'), h('th', {}, 'Before → after')),
          ),
          h(
            'tbody',
            {},
            ...result.changed.map((c) =>
              h(
                'tr',
                { 'data-testid': 'job-moved-row', 'data-branch': c.branch },
                h('td', { class: 'step' }, c.branch),
                h(
                  'td',
                  {},
                  sha(c.fromSha, 'job-moved-before'),
                  ' → ',
                  sha(c.toSha, 'job-moved-after'),
                ),
              ),
            ),
          ),
        ),
    result.adopted && result.adopted.length > 0
      ? h(
          'p',
          { 'data-testid': 'job-adopted' },
          'Tracked: ',
          result.adopted.map((a) => `${a.branch} on ${a.parent}`).join(', '),
        )
      : null,
    result.skipped && result.skipped.length > 0
      ? h(
          'p',
          { class: 'muted', 'data-testid': 'job-skipped' },
          'Left untracked: ',
          result.skipped
            .map((s) => `${s.branch} (${s.reason.replace(/_/g, ' ')})`)
            .join(', '),
        )
      : null,
  );
}

function eventList(events: readonly HistoryItem[]): HTMLElement {
  if (events.length === 0) return h('p', { class: 'muted' }, 'No events yet.');
  return h(
    'ol',
    { class: 'timeline', 'data-testid': 'job-events' },
    ...[...events]
      .sort((a, b) => a.position - b.position)
      .map((item) =>
        h(
          'li',
          { 'data-testid': 'job-event', 'data-position': item.position },
          h('time', { datetime: item.at }, stamp(item.at)),
          h(
            'span',
            { class: 'type', 'data-testid': 'job-event-type' },
            item.type,
          ),
          h('span', { class: 'muted' }, summary(item.data)),
        ),
      ),
  );
}

function panel(title: string, testid: string, body: HTMLElement): HTMLElement {
  return h(
    'section',
    { class: 'panel', 'data-testid': testid },
    h('h2', {}, title),
    body,
  );
}

/** A local time with its milliseconds (steps often take less than a second). */
function stamp(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return clock(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}
