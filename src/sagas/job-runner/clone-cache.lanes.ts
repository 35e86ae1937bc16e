import type { JobStep } from '../../domain/events/job.events';
import type { CloneCache } from '../../infrastructure/git/clone-cache';
import type { LaneGate } from './job.scheduler';
import type { JobStepContext, JobSteps, StepResult } from './job-steps.port';

/**
 * The lane gate that tells the clone cache which repos have jobs here: from a lane's first
 * `enter` to its `leave`, its repo's clone is never evicted, and a lane entering while its
 * clone is being evicted waits for that first. Everything else is the inner gate's.
 */
export class CloneCacheGate implements LaneGate {
  constructor(
    private readonly inner: LaneGate,
    private readonly cache: CloneCache,
  ) {}

  async enter(repoId: string): Promise<number | undefined> {
    await this.cache.laneBusy(repoId);
    return this.inner.enter(repoId);
  }

  leave(repoId: string): void {
    this.inner.leave(repoId);
    this.cache.laneIdle(repoId);
  }

  /** A repo with a job queued here keeps its clone, even while the job waits for a slot. */
  opened(repoId: string): void {
    void this.cache.laneBusy(repoId);
    this.inner.opened?.(repoId);
  }

  confirm(repoId: string): Promise<boolean> {
    return this.inner.confirm?.(repoId) ?? Promise.resolve(true);
  }
}

/**
 * Job steps that tell the clone cache when each works on its repo's clone: not evicted while
 * a step runs, and measured again and marked used after it.
 */
export class CloneCacheSteps implements JobSteps {
  constructor(
    private readonly inner: JobSteps,
    private readonly cache: CloneCache,
  ) {}

  async run(step: JobStep, context: JobStepContext): Promise<StepResult> {
    const { repoId } = context.request;
    this.cache.stepStarted(repoId);
    try {
      return await this.inner.run(step, context);
    } finally {
      this.cache.stepEnded(repoId);
    }
  }
}
