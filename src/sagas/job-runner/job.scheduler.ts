import { Semaphore } from './semaphore';

/**
 * What became of one turn of a job: it needs nothing more from this runner, shutdown
 * stopped it, or it is due again after a wait.
 */
export type JobTurn = 'done' | 'stopped' | { retryInMs: number };

/** Gives a job one turn; the scheduler calls it holding one of the `concurrency` slots. */
export type RunJob = (jobId: string) => Promise<JobTurn>;

/** The pause after a turn that failed outright, doubling with each failure in a row. */
const FAILED_TURN_BASE_MS = 1000;
const FAILED_TURN_MAX_MS = 30_000;

/**
 * Whether this instance may give a repo's jobs their turns: where several instances share
 * one store, only the holder of the repo's lease may (see `RepoLeaseGate`).
 */
export interface LaneGate {
  /** Undefined when the lane may run its first job now, else when to ask again (ms). */
  enter(repoId: string): Promise<number | undefined>;
  /** The lane has no job left for now. */
  leave(repoId: string): void;
  /** The repo's lane has a job again (before it waits for a slot and asks to `enter`). */
  opened?(repoId: string): void;
  /**
   * Asked right before a job of the repo publishes: whether this instance still holds the
   * repo, checked with the store now (and renewed). Absent: always.
   */
  confirm?(repoId: string): Promise<boolean>;
}

/** The gate of a service that runs alone: every lane may always run. */
export const OPEN_GATE: LaneGate = {
  enter: () => Promise.resolve(undefined),
  leave: () => undefined,
};

/** The queue of one repo's jobs; only the first one is worked on. */
interface Lane {
  queue: string[];
  active: boolean;
  /** Ends the lane's wait for a retry early. */
  wake: (() => void) | undefined;
}

/**
 * Decides when each job gets a turn: one lane per repo, whose jobs run one at a time in the
 * order they were queued (a job waiting for its retry holds its lane, so a later job of the
 * same repo cannot overtake it), while different repos run in parallel, up to
 * `concurrency` turns at once, and only while the gate lets the repo's lane in (its lease
 * is this instance's). A wait for a retry or for the gate ends early on `wake`, on `ended`
 * (a job ended by someone else, dropped without a turn) and on `stop`.
 */
export class JobScheduler {
  private readonly lanes = new Map<string, Lane>();
  private readonly repoOfJob = new Map<string, string>();
  private readonly running = new Set<Promise<void>>();
  /** Jobs ended by another writer (another instance, a cancel), to drop at their turn. */
  private readonly endedElsewhere = new Set<string>();
  private readonly slots: Semaphore;
  private stopping = false;

  constructor(
    private readonly run: RunJob,
    concurrency: number,
    private readonly logger: { error(message: string): void },
    private readonly gate: LaneGate = OPEN_GATE,
  ) {
    this.slots = new Semaphore(Math.max(1, concurrency));
  }

  /** Queues a job behind its repo's others; a job already queued is not queued twice. */
  enqueue(jobId: string, repoId: string): void {
    if (this.repoOfJob.has(jobId)) return;
    this.repoOfJob.set(jobId, repoId);
    let lane = this.lanes.get(repoId);
    if (!lane) {
      lane = { queue: [], active: false, wake: undefined };
      this.lanes.set(repoId, lane);
      this.gate.opened?.(repoId);
    }
    lane.queue.push(jobId);
    if (!lane.active && !this.stopping) this.startLane(repoId, lane);
  }

  /** Ends the retry wait of the lane holding `jobId`, which then gives its first job a turn. */
  wake(jobId: string): void {
    const repoId = this.repoOfJob.get(jobId);
    if (repoId) this.lanes.get(repoId)?.wake?.();
  }

  /**
   * A job ended by another writer: it leaves its lane without another turn here (a lane
   * waiting on it, for its retry or for the repo's lease, goes on at once).
   */
  ended(jobId: string): void {
    const repoId = this.repoOfJob.get(jobId);
    if (repoId === undefined) return;
    this.endedElsewhere.add(jobId);
    this.lanes.get(repoId)?.wake?.();
  }

  /** Gives no turn any more and ends every retry wait; a turn under way runs on. */
  stop(): void {
    this.stopping = true;
    for (const lane of this.lanes.values()) lane.wake?.();
  }

  /** Settles once no lane is running. */
  async drained(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private startLane(repoId: string, lane: Lane): void {
    lane.active = true;
    const running: Promise<void> = this.runLane(repoId, lane)
      .catch((error: unknown) =>
        this.logger.error(`lane of repo ${repoId} failed: ${String(error)}`),
      )
      .finally(() => {
        lane.active = false;
        this.running.delete(running);
        if (lane.queue.length === 0) {
          this.lanes.delete(repoId);
          this.gate.leave(repoId);
        } else if (!this.stopping) this.startLane(repoId, lane);
      });
    this.running.add(running);
  }

  private async runLane(repoId: string, lane: Lane): Promise<void> {
    let failures = 0;
    while (!this.stopping && lane.queue.length > 0) {
      const jobId = lane.queue[0]!;
      let turn: JobTurn;
      try {
        turn = await this.turn(jobId, repoId);
        failures = 0;
      } catch (error) {
        // The turn could not even record how it ended (the store refuses writes, say): the
        // job keeps its place and is given a turn again after a doubling pause, never in a
        // tight loop; its stream says where it resumes.
        const retryInMs = Math.min(
          FAILED_TURN_MAX_MS,
          FAILED_TURN_BASE_MS * 2 ** failures++,
        );
        this.logger.error(
          `job ${jobId}: its turn failed (${String(error)}); next turn in ${retryInMs} ms`,
        );
        turn = { retryInMs };
      }
      if (turn === 'stopped') return;
      if (turn === 'done') {
        lane.queue.shift();
        this.repoOfJob.delete(jobId);
        this.endedElsewhere.delete(jobId);
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, turn.retryInMs);
        lane.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      lane.wake = undefined;
    }
  }

  /**
   * A turn holds one of the slots from its ask at the gate on: a lane asks for its repo
   * only when this instance can run it now, so that an instance whose slots are all busy
   * leaves repos free for the others (after a takeover, the dead instance's repos go to the
   * instances with room rather than all to the first that asked).
   */
  private async turn(jobId: string, repoId: string): Promise<JobTurn> {
    await this.slots.acquire();
    try {
      if (this.stopping) return 'stopped';
      if (this.endedElsewhere.has(jobId)) return 'done';
      const notYetMs = await this.gate.enter(repoId);
      if (notYetMs !== undefined) return { retryInMs: notYetMs };
      if (this.endedElsewhere.has(jobId)) return 'done';
      return await this.run(jobId);
    } finally {
      this.slots.release();
    }
  }
}
