import type { ReadModelSchema } from '../infrastructure/read-model-db/read-model-data-source';
import { HistoryEntity } from './history/history.entity';
import { JobEntity } from './job/job.entity';
import { InitialReadModels1732406400000 } from './migrations/1732406400000-initial-read-models';
import { ReposAndHistory1764000000000 } from './migrations/1764000000000-repos-and-history';
import { Tasks1764200000000 } from './migrations/1764200000000-tasks';
import { ProjectionCheckpointEntity } from './projection-checkpoint.entity';
import { RepoEntity } from './repo/repo.entity';
import { TaskEntity } from './task/task.entity';

/** Every table of the read-model database and the migrations that make them, oldest first. */
export const READ_MODEL_SCHEMA: ReadModelSchema = {
  entities: [
    ProjectionCheckpointEntity,
    JobEntity,
    RepoEntity,
    HistoryEntity,
    TaskEntity,
  ],
  migrations: [
    InitialReadModels1732406400000,
    ReposAndHistory1764000000000,
    Tasks1764200000000,
  ],
};
