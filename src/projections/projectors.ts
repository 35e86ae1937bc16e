import { jobProjection } from './job/job.projection';
import { jobWriter } from './job/job.writer';
import { historyProjection } from './history/history.projection';
import { historyWriter } from './history/history.writer';
import { repoProjection } from './repo/repo.projection';
import { repoWriter } from './repo/repo.writer';
import { taskProjection } from './task/task.projection';
import { taskWriter } from './task/task.writer';
import { subscriptionProjection } from './subscription/subscription.projection';
import { subscriptionWriter } from './subscription/subscription.writer';
import type { AnyProjector } from './projection-runner';

/** Every read model the service keeps, in the order the runner writes them. */
export const READ_MODEL_PROJECTORS: readonly AnyProjector[] = [
  { projection: jobProjection, writer: jobWriter },
  { projection: repoProjection, writer: repoWriter },
  { projection: historyProjection, writer: historyWriter },
  { projection: taskProjection, writer: taskWriter },
  { projection: subscriptionProjection, writer: subscriptionWriter },
];
