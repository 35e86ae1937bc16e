import { ValidationError } from '../domain-error';

export const MIN_WEBHOOK_SECRET_LENGTH = 16;
export const MAX_WEBHOOK_SECRET_LENGTH = 256;

/** Visible ASCII: what a forge's secret field and a shell's clipboard carry unchanged. */
const VISIBLE = /^[\x21-\x7e]*$/;

/**
 * A repo's webhook secret: 16 to 256 visible ASCII characters (no spaces). The message
 * never repeats the value.
 */
export function assertWebhookSecret(secret: string): void {
  if (
    secret.length < MIN_WEBHOOK_SECRET_LENGTH ||
    secret.length > MAX_WEBHOOK_SECRET_LENGTH ||
    !VISIBLE.test(secret)
  ) {
    throw new ValidationError(
      'REPO.INVALID_WEBHOOK_SECRET',
      `webhookSecret must be ${MIN_WEBHOOK_SECRET_LENGTH} to ${MAX_WEBHOOK_SECRET_LENGTH} visible ASCII characters, without spaces`,
      { field: 'webhookSecret' },
    );
  }
}

/** What a sealed webhook secret is bound to: this repo's record and nothing else. */
export const webhookSecretContext = (repoId: string): string =>
  `repo-webhook:${repoId}`;
