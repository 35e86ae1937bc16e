import { z } from 'zod';
import { MAX_TASK_TITLE_LENGTH } from '../../domain/task/task.request';

/** Body of `POST /repos/:repoId/tasks`. Names and title are checked by the domain's rules. */
export const CreateTaskBody = z
  .object({
    title: z
      .string()
      .max(1000)
      .meta({
        description: `One line, at most ${MAX_TASK_TITLE_LENGTH} characters once trimmed.`,
      }),
    branchName: z.string().max(1000).meta({
      description: 'An existing branch of the remote, not the trunk.',
    }),
    parentBranch: z.string().max(1000).optional().meta({
      description:
        'The parent to track the branch under; the nearest tracked ancestor when absent.',
    }),
  })
  .meta({ id: 'CreateTaskRequest' });
