import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { v5 as uuidv5 } from 'uuid';
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
import { RequestJobCommand } from '../request-job/request-job.command';
import {
  RegisterRepoCommand,
  type RegisterRepoResult,
} from './register-repo.command';

/** Namespace of repo ids derived from (org, name). */
const REPO_IDS = 'b8a4f0d2-5c61-4e0b-9a7e-2f3d4c5b6a71';

/**
 * Registers a repo and queues its first `sync_repo` job, which clones it. The repo id is
 * derived from the org and the name, and the append expects a new stream: one name is one
 * repo per org, even under concurrent registrations (the loser is decided again on the
 * stored registration and gets `REPO.ALREADY_REGISTERED`).
 */
@CommandHandler(RegisterRepoCommand)
export class RegisterRepoHandler implements ICommandHandler<RegisterRepoCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly repos: RepoDirectory,
    private readonly commands: CommandBus,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
  ) {}

  async execute(command: RegisterRepoCommand): Promise<RegisterRepoResult> {
    const { orgId, name, remoteUrl, trunk, webhookSecret } = command;
    const repoId = uuidv5(`${orgId}\n${name}`, REPO_IDS).replace(/-/g, '');
    const data = { repoId, orgId, name, remoteUrl, trunk };
    if (webhookSecret !== undefined) assertWebhookSecret(webhookSecret);
    const sealedSecret =
      webhookSecret === undefined
        ? undefined
        : this.secrets.seal(webhookSecret, webhookSecretContext(repoId));
    const { stream } = await handleCommand(
      this.store,
      repoStream(repoId),
      repoModel,
      {
        type: 'RegisterRepo',
        data: { ...data, ...(sealedSecret ? { sealedSecret } : {}) },
      },
      {
        metadata: requestMetadata({
          orgId,
          repoId,
          correlationId: command.requestId ?? repoId,
          at: this.clock.now().toISOString(),
        }),
        expectNew: true,
      },
    );
    // Known to commands at once: a client may act on the repo the moment it has the 202.
    this.repos.add(data);
    if (sealedSecret) this.repos.webhookSecretSet(repoId, true);
    const initialJob = await this.commands.execute(
      new RequestJobCommand(
        orgId,
        repoId,
        { action: 'sync_repo' },
        undefined,
        command.requestId,
      ),
    );
    return { repoId, stream, initialJob };
  }
}
