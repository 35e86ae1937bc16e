import { z } from 'zod';

/** Body of `PUT /repos/:repoId/settings`. */
export const SetRepoSettingsBody = z
  .object({
    autoRestack: z.boolean().meta({
      description:
        'When true, a push to a tracked branch that did not come from Stackyard (its new head is not what Stackyard last published there) queues `restack_subtree` for it, coalesced. Default false.',
    }),
  })
  .meta({ id: 'SetRepoSettingsRequest' });
