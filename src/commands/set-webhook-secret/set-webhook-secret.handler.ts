import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { NotFoundError } from '../../domain/domain-error';
import { repoModel } from '../../domain/repo/repo.decider';
import {
  assertWebhookSecret,
  webhookSecretContext,
} from '../../domain/repo/webhook-secret';
import { requestMetadata } from '../../domain/request-metadata';
import { repoStream } from '../../domain/streams';
import { CLOCK, type Clock } from '../../infrastructure/clock/clock';
import {
  EVENT_STORE,
  type EventStore,
} from '../../infrastructure/event-store/event-store.port';
import { handleCommand } from '../../infrastructure/event-store/handle-command';
import { RepoDirectory } from '../../infrastructure/repo-directory/repo-directory';
import {
  SECRET_BOX,
  type SecretBox,
} from '../../infrastructure/secrets/secret-box';
import {
  type RepoSettingsResult,
  SetWebhookSecretCommand,
} from './set-webhook-secret.command';

/**
 * Records a repo's webhook secret, sealed and bound to the repo (`repo-webhook:<repoId>`),
 * or its removal. The plain secret goes no further than the seal.
 */
@CommandHandler(SetWebhookSecretCommand)
export class SetWebhookSecretHandler implements ICommandHandler<SetWebhookSecretCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    private readonly repos: RepoDirectory,
  ) {}

  async execute(command: SetWebhookSecretCommand): Promise<RepoSettingsResult> {
    const { orgId, repoId, webhookSecret } = command;
    if (!this.repos.find(orgId, repoId))
      throw new NotFoundError('REPO.NOT_FOUND', `No repository ${repoId}`);
    if (webhookSecret !== undefined) assertWebhookSecret(webhookSecret);
    const sealedSecret =
      webhookSecret === undefined
        ? undefined
        : this.secrets.seal(webhookSecret, webhookSecretContext(repoId));
    const { state } = await handleCommand(
      this.store,
      repoStream(repoId),
      repoModel,
      { type: 'SetWebhookSecret', data: { orgId, repoId, sealedSecret } },
      {
        metadata: requestMetadata({
          orgId,
          repoId,
          correlationId: command.requestId ?? repoId,
          at: this.clock.now().toISOString(),
        }),
      },
    );
    this.repos.webhookSecretSet(repoId, sealedSecret !== undefined);
    return { state };
  }
}
