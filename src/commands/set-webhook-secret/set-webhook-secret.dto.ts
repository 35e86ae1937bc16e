import { z } from 'zod';
import {
  MAX_WEBHOOK_SECRET_LENGTH,
  MIN_WEBHOOK_SECRET_LENGTH,
} from '../../domain/repo/webhook-secret';

/** A webhook secret as a request gives it; its rules are the domain's (`assertWebhookSecret`). */
export const WebhookSecretField = z.string().meta({
  description: `The secret the forge signs its deliveries with (GitHub's webhook "Secret"): ${MIN_WEBHOOK_SECRET_LENGTH} to ${MAX_WEBHOOK_SECRET_LENGTH} visible ASCII characters, no spaces. Kept sealed; never answered by any read.`,
});

/** Body of `PUT /repos/:repoId/webhook-secret`. */
export const SetWebhookSecretBody = z
  .object({ webhookSecret: WebhookSecretField })
  .meta({ id: 'SetWebhookSecretRequest' });
