import { z } from 'zod';

/** Body of `POST /repos/:repoId/tasks`. Names and title are checked by the domain's rules. */
export const CreateTaskBody = z.object({
  title: z.string().max(1000),
  branchName: z.string().max(1000),
  parentBranch: z.string().max(1000).optional(),
});
