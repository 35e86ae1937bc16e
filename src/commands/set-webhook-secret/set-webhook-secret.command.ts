import { Command } from '@nestjs/cqrs';
import type { RepoState } from '../../domain/repo/repo.decider';

/** What the handler answers: the repo's state after the command. */
export interface RepoSettingsResult {
  state: RepoState;
}

/** Set, replace (`webhookSecret` given) or remove (undefined) a repo's webhook secret. */
export class SetWebhookSecretCommand extends Command<RepoSettingsResult> {
  constructor(
    readonly orgId: string,
    readonly repoId: string,
    /** In plain; the handler seals it before anything records it. */
    readonly webhookSecret: string | undefined,
    /** The HTTP request's id: the correlation id of the events it appends (none outside one). */
    readonly requestId?: string,
  ) {
    super();
  }
}
