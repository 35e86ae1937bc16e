import type { ReadModelSchema } from '../infrastructure/read-model-db/read-model-data-source';
import { HistoryEntity } from './history/history.entity';
import { JobEntity } from './job/job.entity';
import { FollowerCheckpointEntity } from '../infrastructure/read-model-db/follower-checkpoint.entity';
import { SubscriptionCursorEntity } from '../infrastructure/read-model-db/subscription-cursor.entity';
import { SubscriptionDeliveryEntity } from '../infrastructure/read-model-db/subscription-delivery.entity';
import { Subscriptions1802000000000 } from './migrations/1802000000000-subscriptions';
import { DropJobsIdempotencyIndex1803000000000 } from './migrations/1803000000000-drop-jobs-idempotency-index';
import { SubscriptionEntity } from './subscription/subscription.entity';
import { FollowerCheckpoints1797000000000 } from './migrations/1797000000000-follower-checkpoints';
import { HistoryActorAndJobIndex1800000000000 } from './migrations/1800000000000-history-actor-and-job-index';
import { RepoWebhooks1801000000000 } from './migrations/1801000000000-repo-webhooks';
import { InitialReadModels1732406400000 } from './migrations/1732406400000-initial-read-models';
import { ReposAndHistory1764000000000 } from './migrations/1764000000000-repos-and-history';
import { Tasks1764200000000 } from './migrations/1764200000000-tasks';
import { JobUndo1799000000000 } from './migrations/1799000000000-job-undo';
import { PostgresReadModels1796000000000 } from './migrations/postgres/1796000000000-postgres-read-models';
import { ProjectionCheckpointEntity } from './projection-checkpoint.entity';
import { RepoEntity } from './repo/repo.entity';
import { TaskEntity } from './task/task.entity';

/**
 * Every table of the read-model database and the migrations that make them, oldest first.
 *
 * Each engine has its own list. The SQLite list is what existing read-model files have
 * applied, left exactly as it was; its steps record how the schema grew (a column added
 * with a default for rows of the time, say), which a new PostgreSQL database never needs
 * to replay. PostgreSQL starts from one migration that makes the present schema in its own
 * DDL (bigint positions, byte-order text), where branching inside each SQLite migration
 * would have put two DDLs in every class and touched files whose effect on SQLite must not
 * change. A later change is one migration per list (or one class that branches on
 * `queryRunner.connection.options.type`, listed in both); the read-model tests run on both
 * engines and check the two schemas have the same tables and columns.
 */
export const READ_MODEL_SCHEMA: ReadModelSchema = {
  entities: [
    ProjectionCheckpointEntity,
    JobEntity,
    RepoEntity,
    HistoryEntity,
    TaskEntity,
    FollowerCheckpointEntity,
    SubscriptionEntity,
    SubscriptionCursorEntity,
    SubscriptionDeliveryEntity,
  ],
  migrations: {
    sqlite: [
      InitialReadModels1732406400000,
      ReposAndHistory1764000000000,
      Tasks1764200000000,
      FollowerCheckpoints1797000000000,
      JobUndo1799000000000,
      HistoryActorAndJobIndex1800000000000,
      RepoWebhooks1801000000000,
      Subscriptions1802000000000,
      DropJobsIdempotencyIndex1803000000000,
    ],
    postgres: [
      PostgresReadModels1796000000000,
      FollowerCheckpoints1797000000000,
      JobUndo1799000000000,
      HistoryActorAndJobIndex1800000000000,
      RepoWebhooks1801000000000,
      Subscriptions1802000000000,
      DropJobsIdempotencyIndex1803000000000,
    ],
  },
};
