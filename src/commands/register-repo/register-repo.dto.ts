import { z } from 'zod';
import { ALLOWED_PROTOCOLS } from '../../domain/repo/remote-url';
import { MAX_REPO_NAME_LENGTH } from '../../domain/repo/repo.decider';
import { WebhookSecretField } from '../set-webhook-secret/set-webhook-secret.dto';
import { MAX_BRANCH_NAME_LENGTH } from '../../domain/stack/branch-name';

/** The trunk when the request names none. */
export const DEFAULT_TRUNK = 'main';

/** Body of `POST /repos`. Names, URL and trunk are checked by the domain's rules. */
export const RegisterRepoBody = z
  .object({
    name: z.string().meta({
      description: `1 to ${MAX_REPO_NAME_LENGTH} printable characters without surrounding spaces; one repo per name and org.`,
    }),
    remoteUrl: z.string().meta({
      description: `A ${ALLOWED_PROTOCOLS.join(', ')} URL, user@host:path or an absolute path; no credentials, no transport helpers.`,
    }),
    trunk: z
      .string()
      .optional()
      .meta({
        description: `A valid branch name of at most ${MAX_BRANCH_NAME_LENGTH} characters; \`${DEFAULT_TRUNK}\` when absent.`,
      }),
    webhookSecret: WebhookSecretField.optional(),
  })
  .meta({ id: 'RegisterRepoRequest' });
