import { z } from 'zod';
import { HOOK_OUTCOMES } from '../../domain/events/hook.events';

/** The answer to a forge's delivery: what came of it. */
export const HookDeliveryResource = z
  .strictObject({
    deliveryId: z.string(),
    event: z.string().meta({ description: '`push` or `ping`.' }),
    outcome: z.enum(HOOK_OUTCOMES).meta({
      description:
        'What came of the delivery (see `RepoWebhook.outcome`); for a duplicate, what came of it the first time.',
    }),
    jobId: z.string().nullable().meta({
      description:
        'The job the push queued, or the still queued one it was coalesced into; null when none.',
    }),
    duplicate: z.boolean().meta({
      description:
        'The delivery id was received before: nothing new was recorded or queued.',
    }),
  })
  .meta({ id: 'HookDelivery' });
/** A delivery's answer. */
export type HookDeliveryResource = z.infer<typeof HookDeliveryResource>;
