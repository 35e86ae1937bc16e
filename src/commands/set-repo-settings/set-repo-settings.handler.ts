import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { NotFoundError } from '../../domain/domain-error';
import { repoModel } from '../../domain/repo/repo.decider';
import { requestMetadata } from '../../domain/request-metadata';
import { repoStream } from '../../domain/streams';
import { CLOCK, type Clock } from '../../infrastructure/clock/clock';
import {
  EVENT_STORE,
  type EventStore,
} from '../../infrastructure/event-store/event-store.port';
import { handleCommand } from '../../infrastructure/event-store/handle-command';
import { RepoDirectory } from '../../infrastructure/repo-directory/repo-directory';
import type { RepoSettingsResult } from '../set-webhook-secret/set-webhook-secret.command';
import { SetRepoSettingsCommand } from './set-repo-settings.command';

/** Records `RepoAutoRestackSet` when the setting changes. */
@CommandHandler(SetRepoSettingsCommand)
export class SetRepoSettingsHandler implements ICommandHandler<SetRepoSettingsCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly repos: RepoDirectory,
  ) {}

  async execute(command: SetRepoSettingsCommand): Promise<RepoSettingsResult> {
    const { orgId, repoId, autoRestack } = command;
    if (!this.repos.find(orgId, repoId))
      throw new NotFoundError('REPO.NOT_FOUND', `No repository ${repoId}`);
    const { state } = await handleCommand(
      this.store,
      repoStream(repoId),
      repoModel,
      { type: 'SetAutoRestack', data: { orgId, repoId, autoRestack } },
      {
        metadata: requestMetadata({
          orgId,
          repoId,
          correlationId: command.requestId ?? repoId,
          at: this.clock.now().toISOString(),
        }),
      },
    );
    return { state };
  }
}
