import type {
  ExecutionPlan,
  JobStep,
} from '../../../src/domain/events/job.events';
import type {
  JobStepContext,
  JobSteps,
  StepResult,
} from '../../../src/sagas/job-runner/job-steps.port';

/** What `execute` plans unless a test says otherwise. */
export const A_PLAN: ExecutionPlan = {
  moves: [{ branch: 'feature-a', from: 'a'.repeat(40), to: 'b'.repeat(40) }],
  events: [],
  changed: [
    { branch: 'feature-a', fromSha: 'a'.repeat(40), toSha: 'b'.repeat(40) },
  ],
  summary: 'restacked 1 branch',
};

type StepWork = (context: JobStepContext) => Promise<StepResult>;

const doneWith = (step: JobStep): StepResult =>
  step === 'execute'
    ? { summary: A_PLAN.summary, plan: A_PLAN }
    : { summary: `${step} done` };

/** A step the test holds inside its work until it lets it finish or fail, or it is aborted. */
export interface HeldStep {
  /** Resolves with the step's context once the step has begun. */
  readonly entered: Promise<JobStepContext>;
  finish(result?: StepResult): void;
  fail(error: Error): void;
}

/**
 * Steps without git: each succeeds with a plain summary (and `execute` with `A_PLAN`)
 * unless the test queues other work for its next run.
 */
export class FakeJobSteps implements JobSteps {
  readonly calls: Array<{
    jobId: string;
    step: JobStep;
    context: JobStepContext;
  }> = [];
  private readonly queued = new Map<JobStep, StepWork[]>();

  run(step: JobStep, context: JobStepContext): Promise<StepResult> {
    this.calls.push({ jobId: context.jobId, step, context });
    const work = this.queued.get(step)?.shift();
    if (work) return work(context);
    return Promise.resolve(doneWith(step));
  }

  /** The steps run so far, in order. */
  get steps(): JobStep[] {
    return this.calls.map((c) => c.step);
  }

  /** The next run of `step` does `work` instead. */
  next(step: JobStep, work: StepWork): void {
    const queue = this.queued.get(step) ?? [];
    queue.push(work);
    this.queued.set(step, queue);
  }

  /** The next run of `step` fails with `error`. */
  failNext(step: JobStep, error: Error): void {
    this.next(step, () => Promise.reject(error));
  }

  /** The next run of `step` waits for the test. */
  hold(step: JobStep): HeldStep {
    let entered!: (context: JobStepContext) => void;
    let finish!: (result: StepResult) => void;
    let fail!: (error: Error) => void;
    const held: HeldStep = {
      entered: new Promise((resolve) => (entered = resolve)),
      finish: (result = doneWith(step)) => finish(result),
      fail: (error) => fail(error),
    };
    this.next(step, (context) => {
      entered(context);
      return new Promise<StepResult>((resolve, reject) => {
        finish = resolve;
        fail = reject;
        // As the git steps do: an aborted step stops, failing with the abort's reason.
        context.signal.addEventListener('abort', () =>
          reject(context.signal.reason as Error),
        );
      });
    });
    return held;
  }
}
