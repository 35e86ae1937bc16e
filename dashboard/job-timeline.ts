import type { HistoryItem } from './types.js';

/** How one run of a step ended, or that it has not yet. */
export type StepOutcome =
  'running' | 'completed' | 'retry' | 'interrupted' | 'failed' | 'cancelled';

/** One run of a step: a step runs again after a retry or an interruption. */
export interface StepRun {
  step: string;
  attempt: number;
  startedAt: string;
  endedAt: string | null;
  /** End minus start; null while it runs. */
  durationMs: number | null;
  outcome: StepOutcome;
  /** The step's summary, or why it ended (the retry's reason, the failure's message). */
  note: string | null;
}

export interface RetryEntry {
  /** The attempt the retry will be. */
  attempt: number;
  reason: string;
  at: string;
  retryAt: string;
}

export interface JobTimeline {
  /** The request: when and by whom (the actor, when the history recorded one). */
  requested: { at: string; actor: string | null } | null;
  /** Each attempt's start and the worker that ran it. */
  attempts: Array<{ attempt: number; at: string; worker: string | null }>;
  steps: StepRun[];
  retries: RetryEntry[];
  cancelRequestedAt: string | null;
  /** The job's last event when it ended. */
  ended: { type: string; at: string } | null;
}

const str = (value: unknown): string | null =>
  typeof value === 'string' ? value : null;
const num = (value: unknown): number | null =>
  typeof value === 'number' ? value : null;

const ENDS: Readonly<Record<string, StepOutcome>> = {
  RepoActionRetryScheduled: 'retry',
  RepoActionInterrupted: 'interrupted',
  RepoActionFailed: 'failed',
  RepoActionCancelled: 'cancelled',
  RepoActionCompleted: 'completed',
};

/**
 * A job's timeline from its events (`GET /jobs/:jobId/events` and the live stream), in
 * position order: each step's runs with start, end and duration, the retries with their
 * reasons, the attempts. A step ends with its completion, or with what stopped the attempt
 * (a retry, an interruption, the job's failure or cancel).
 */
export function jobTimeline(events: readonly HistoryItem[]): JobTimeline {
  const timeline: JobTimeline = {
    requested: null,
    attempts: [],
    steps: [],
    retries: [],
    cancelRequestedAt: null,
    ended: null,
  };
  let attempt = 0;
  let open: StepRun | undefined;
  const close = (at: string, outcome: StepOutcome, note: string | null) => {
    if (!open) return;
    open.endedAt = at;
    open.durationMs = Math.max(0, Date.parse(at) - Date.parse(open.startedAt));
    open.outcome = outcome;
    open.note = note;
    open = undefined;
  };
  const sorted = [...events].sort((a, b) => a.position - b.position);
  for (const { type, at, data, actor } of sorted) {
    switch (type) {
      case 'RepoActionRequested':
        timeline.requested = { at, actor: actor ?? null };
        break;
      case 'RepoActionStarted':
        attempt = num(data.attempt) ?? attempt + 1;
        timeline.attempts.push({ attempt, at, worker: str(data.worker) });
        break;
      case 'RepoActionStepStarted':
        // A step that never said how it ended was cut short by what came next.
        close(at, 'interrupted', null);
        open = {
          step: str(data.step) ?? '?',
          attempt,
          startedAt: at,
          endedAt: null,
          durationMs: null,
          outcome: 'running',
          note: null,
        };
        timeline.steps.push(open);
        break;
      case 'RepoActionStepCompleted':
        close(at, 'completed', str(data.summary));
        break;
      case 'RepoActionRetryScheduled':
        close(at, 'retry', str(data.reason));
        timeline.retries.push({
          attempt: num(data.attempt) ?? attempt + 1,
          reason: str(data.reason) ?? '',
          at,
          retryAt: str(data.retryAt) ?? at,
        });
        break;
      case 'RepoActionInterrupted':
        close(at, 'interrupted', null);
        break;
      case 'RepoActionCancelRequested':
        timeline.cancelRequestedAt = at;
        break;
      case 'RepoActionCompleted':
      case 'RepoActionFailed':
      case 'RepoActionCancelled':
        close(at, ENDS[type]!, str(data.message) ?? str(data.summary));
        timeline.ended = { type, at };
        break;
      default:
        // Progress ticks and anything newer than this page: not part of the timeline.
        break;
    }
  }
  return timeline;
}

/** A duration for people: "840 ms", "3.2 s", "2 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  }
  const minutes = Math.floor(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** The share done, 0 to 1, of a `done/total` progress (0 when the total is 0). */
export const progressShare = (progress: {
  done: number;
  total: number;
}): number =>
  progress.total <= 0
    ? 0
    : Math.min(1, Math.max(0, progress.done / progress.total));
