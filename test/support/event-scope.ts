import { jobIdOfStream } from '../../src/domain/streams';

/** A stored event as the scope oracle needs it, read through the store or from its file. */
export interface ScopedEvent {
  position: number;
  streamId: string;
  type: string;
  data: object;
  metadata: { jobId?: string };
}

/** What one SSE client asked for: its token's org, and the query's filters. */
export interface ClientScope {
  orgId: string;
  repoId?: string;
  jobId?: string;
}

const field = (data: object, name: string): string | undefined => {
  const value = (data as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * Which events a client of a scope may see, worked out from the streams themselves rather
 * than from the metadata the service's filter reads: a repo's stream belongs to the org
 * that registered it, a job's and a task's stream to the repo their first event names. A
 * job's events are those of its stream and those that name it (the branch changes it made,
 * the task it attached). So a service that forgot an org on an event fails here instead
 * of agreeing with itself.
 */
export class EventScopes {
  private readonly orgOfRepo = new Map<string, string>();
  private readonly repoOfStream = new Map<string, string>();

  constructor(private readonly events: readonly ScopedEvent[]) {
    for (const e of events) {
      if (this.repoOfStream.has(e.streamId)) continue;
      const repoId = field(e.data, 'repoId');
      if (repoId === undefined) continue;
      if (e.type === 'RepoRegistered') {
        const orgId = field(e.data, 'orgId');
        if (orgId !== undefined) this.orgOfRepo.set(repoId, orgId);
      }
      if (
        e.type === 'RepoRegistered' ||
        e.type === 'RepoActionRequested' ||
        e.type === 'TaskCreated'
      )
        this.repoOfStream.set(e.streamId, repoId);
    }
  }

  /** The repo an event belongs to, if its stream's first event was seen. */
  repoOf(event: ScopedEvent): string | undefined {
    return this.repoOfStream.get(event.streamId);
  }

  orgOf(event: ScopedEvent): string | undefined {
    const repoId = this.repoOf(event);
    return repoId === undefined ? undefined : this.orgOfRepo.get(repoId);
  }

  /** The positions a client of `scope` may see after `after`, up to `upTo`, in global order. */
  visible(scope: ClientScope, after: number, upTo = Infinity): number[] {
    return this.events
      .filter(
        (e) =>
          e.position > after &&
          e.position <= upTo &&
          this.orgOf(e) === scope.orgId &&
          (scope.repoId === undefined || this.repoOf(e) === scope.repoId) &&
          (scope.jobId === undefined ||
            (jobIdOfStream(e.streamId) ?? e.metadata.jobId) === scope.jobId),
      )
      .map((e) => e.position);
  }
}

/** How a client's received positions differ from the expected ones; all empty when equal. */
export interface ResumeReport {
  /** Expected, never received: a gap. */
  missing: number[];
  /** Received more than once. */
  duplicated: number[];
  /** Received, though not the client's to see (another org's, outside its filter, or unknown). */
  unexpected: number[];
  /** Received after a later position. */
  outOfOrder: number[];
}

export function resumeReport(
  received: readonly number[],
  expected: readonly number[],
): ResumeReport {
  const want = new Set(expected);
  const got = new Set(received);
  const seen = new Set<number>();
  const duplicated: number[] = [];
  const outOfOrder: number[] = [];
  let last = -Infinity;
  for (const p of received) {
    if (seen.has(p)) duplicated.push(p);
    else if (p < last) outOfOrder.push(p);
    seen.add(p);
    last = Math.max(last, p);
  }
  return {
    missing: expected.filter((p) => !got.has(p)),
    duplicated,
    unexpected: [...got].filter((p) => !want.has(p)),
    outOfOrder,
  };
}
