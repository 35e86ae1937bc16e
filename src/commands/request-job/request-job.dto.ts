import { z } from 'zod';
import { JOB_ACTIONS } from '../../domain/events/job.events';

/** Body of `POST /repos/:repoId/actions`. The action is checked by the domain's own list. */
export const RequestJobBody = z
  .object({
    // Any string parses, so that an unknown action gets its own code from the domain; the
    // document still tells clients the actions there are.
    action: z
      .string()
      .max(100)
      // `undo` has its own route (`POST /jobs/{jobId}/undo`).
      .meta({ enum: JOB_ACTIONS.filter((a) => a !== 'undo') }),
    branchName: z.string().max(1000).optional().meta({
      description:
        'Required by every action but `sync_repo`, `restack_repo` and `adopt_stack`, which ignore it.',
    }),
    parentBranch: z.string().max(1000).optional().meta({
      description:
        'Required by `reparent_branch`; optional for `register_existing_branch` (the nearest tracked ancestor otherwise); ignored by the others.',
    }),
  })
  .meta({ id: 'RequestJobRequest' });
