import { Command } from '@nestjs/cqrs';
import type { TaskResource } from '../../read-models/task/task.resource';

/** What the handler answers: the task, and whether an earlier request with the key made it. */
export interface CreateTaskResult {
  task: TaskResource;
  replayed: boolean;
}

export class CreateTaskCommand extends Command<CreateTaskResult> {
  constructor(
    readonly orgId: string,
    readonly repoId: string,
    /** Checked for shape only; the domain's rules need the repo's trunk, so the handler applies them. */
    readonly input: {
      title: string;
      branchName: string;
      parentBranch?: string;
    },
    readonly idempotencyKey: string | undefined,
  ) {
    super();
  }
}
