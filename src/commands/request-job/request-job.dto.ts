import { z } from 'zod';

/** Body of `POST /repos/:repoId/actions`. The action is checked by the domain's own list. */
export const RequestJobBody = z.object({
  action: z.string().max(100),
  branchName: z.string().max(1000).optional(),
  parentBranch: z.string().max(1000).optional(),
});
