import { randomBytes } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';
import { ConflictError, NotFoundError } from '../../domain/domain-error';
import {
  narrow,
  SUBSCRIPTION_EVENTS,
} from '../../domain/events/stackyard-event';
import { idempotencyKeyReused } from '../../domain/idempotency';
import { subscriptionStream } from '../../domain/streams';
import { subscriptionModel } from '../../domain/subscription/subscription.decider';
import { validateSubscriptionRequest } from '../../domain/subscription/subscription.request';
import { CLOCK, type Clock } from '../../infrastructure/clock/clock';
import {
  APP_CONFIG,
  type AppConfig,
} from '../../infrastructure/config/app-config';
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
  CreateSubscriptionCommand,
  type CreateSubscriptionResult,
} from './create-subscription.command';

/** Namespace of subscription ids derived from idempotency keys. */
const IDEMPOTENT_SUBSCRIPTION_IDS = '8d2b6f1e-4a7c-4e0b-9f35-2c6a1d8e7b40';

/** The seal's context: a sealed secret copied onto another subscription does not open there. */
export const subscriptionSecretContext = (subscriptionId: string): string =>
  `subscription:${subscriptionId}`;

/**
 * Records a subscription. The URL must pass the rules and the allow-list before anything is
 * recorded; the secret (the client's, or one made here) is recorded sealed only.
 *
 * With an `Idempotency-Key` the id is derived from (org, key) and the append expects a new
 * stream: a retry meets the first request and gets the same subscription (and, when the
 * service made the secret, the same secret: the first answer may be what was lost).
 */
@CommandHandler(CreateSubscriptionCommand)
export class CreateSubscriptionHandler implements ICommandHandler<CreateSubscriptionCommand> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    private readonly repos: RepoDirectory,
  ) {}

  async execute(
    command: CreateSubscriptionCommand,
  ): Promise<CreateSubscriptionResult> {
    const { orgId, idempotencyKey } = command;
    const request = validateSubscriptionRequest(
      command.input,
      this.config.webhookHosts,
    );
    if (request.repoId !== null && !this.repos.find(orgId, request.repoId))
      throw new NotFoundError(
        'REPO.NOT_FOUND',
        `No repository ${request.repoId}`,
      );
    const subscriptionId =
      idempotencyKey === undefined
        ? uuidv7()
        : uuidv5(`${orgId}\n${idempotencyKey}`, IDEMPOTENT_SUBSCRIPTION_IDS);
    const { maxPerOrg } = this.config.webhooks;
    // A retry of a create that counted is let through to its replay.
    if (
      command.orgSubscriptions >= maxPerOrg &&
      (idempotencyKey === undefined ||
        (
          await this.store.readStream(subscriptionStream(subscriptionId), {
            maxCount: 1,
          })
        ).length === 0)
    )
      throw new ConflictError(
        'SUBSCRIPTION.LIMIT_REACHED',
        `The org has ${command.orgSubscriptions} subscriptions, the most this service allows (STACKYARD_WEBHOOK_MAX_PER_ORG = ${maxPerOrg}); delete one first`,
        { limit: maxPerOrg },
      );
    const context = subscriptionSecretContext(subscriptionId);
    const secret =
      request.secret ?? `whsec_${randomBytes(32).toString('base64url')}`;
    const { state, stream, appended } = await handleCommand(
      this.store,
      subscriptionStream(subscriptionId),
      subscriptionModel,
      {
        type: 'CreateSubscription',
        data: {
          subscriptionId,
          orgId,
          url: request.url,
          repoId: request.repoId,
          eventTypes: request.eventTypes,
          sealedSecret: this.secrets.seal(secret, context),
          secretGenerated: request.secret === undefined,
          ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
        },
      },
      {
        metadata: {
          correlationId: command.requestId ?? subscriptionId,
          actor: `org:${orgId}`,
          orgId,
          at: this.clock.now().toISOString(),
        },
        expectNew: true,
      },
    );
    if (appended.length > 0)
      return {
        subscriptionId,
        stream,
        replayed: false,
        generatedSecret: request.secret === undefined ? secret : undefined,
      };
    // A retry: the secret recorded first is the one in force.
    const first = stream[0] && narrow(stream[0], SUBSCRIPTION_EVENTS);
    const recorded =
      first?.type === 'SubscriptionCreated'
        ? this.secrets.open(first.data.sealedSecret, context)
        : undefined;
    if (request.secret !== undefined && recorded !== request.secret)
      throw idempotencyKeyReused({ subscriptionId });
    return {
      subscriptionId,
      stream,
      replayed: true,
      generatedSecret: state.secretGenerated ? recorded : undefined,
    };
  }
}
