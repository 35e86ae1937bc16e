import { Command } from '@nestjs/cqrs';
import type { RepoSettingsResult } from '../set-webhook-secret/set-webhook-secret.command';

/** Set a repo's `autoRestack`; the same value again records nothing. */
export class SetRepoSettingsCommand extends Command<RepoSettingsResult> {
  constructor(
    readonly orgId: string,
    readonly repoId: string,
    readonly autoRestack: boolean,
    /** The HTTP request's id: the correlation id of the events it appends (none outside one). */
    readonly requestId?: string,
  ) {
    super();
  }
}
