import { z } from 'zod';
import type { RepoState } from '../../domain/repo/repo.decider';

/** A repo's hook settings, as the settings routes answer them (never the secret). */
export const RepoSettingsResource = z
  .strictObject({
    repoId: z.string(),
    webhookSecretSet: z.boolean().meta({
      description: 'Whether the repo has a webhook secret.',
    }),
    autoRestack: z.boolean().meta({
      description:
        'Whether a push to a tracked branch that did not come from Stackyard queues `restack_subtree` for it.',
    }),
  })
  .meta({ id: 'RepoSettings' });
/** A repo's settings as the API answers them. */
export type RepoSettingsResource = z.infer<typeof RepoSettingsResource>;

/** The settings of a repo as its stream says, right after a command changed them. */
export function toRepoSettingsResource(
  repoId: string,
  state: Pick<RepoState, 'sealedSecret' | 'autoRestack'>,
): RepoSettingsResource {
  return {
    repoId,
    webhookSecretSet: state.sealedSecret !== undefined,
    autoRestack: state.autoRestack,
  };
}
