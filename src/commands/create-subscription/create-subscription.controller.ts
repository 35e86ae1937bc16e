import {
  Body,
  Controller,
  Headers,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { Org } from '../../infrastructure/auth/org.decorator';
import { RequestId } from '../../infrastructure/http/request-id';
import { AcceptingCommandsGuard } from '../../infrastructure/http/draining';
import { parseInput } from '../../infrastructure/http/parse-body';
import { foldRow } from '../../projections/projection';
import { subscriptionProjection } from '../../projections/subscription/subscription.projection';
import { SubscriptionQueries } from '../../read-models/subscription/subscription.queries';
import type { CreatedSubscriptionResource } from '../../read-models/subscription/subscription.resource';
import { parseIdempotencyKey } from '../idempotency';
import { CreateSubscriptionCommand } from './create-subscription.command';
import { CreateSubscriptionBody } from './create-subscription.dto';

@Controller('subscriptions')
@UseGuards(AcceptingCommandsGuard)
export class CreateSubscriptionController {
  constructor(
    private readonly commands: CommandBus,
    private readonly subscriptions: SubscriptionQueries,
  ) {}

  /**
   * 201 with the subscription and, when the service made the secret, the secret: this once.
   * A retry with the same `Idempotency-Key` gets 200 and the same answer.
   */
  @Post()
  async create(
    @Org() orgId: string,
    @RequestId() requestId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedSubscriptionResource> {
    const input = parseInput(CreateSubscriptionBody, body);
    const idempotencyKey = parseIdempotencyKey(key);
    const { subscriptionId, stream, replayed, generatedSecret } =
      await this.commands.execute(
        new CreateSubscriptionCommand(
          orgId,
          input,
          idempotencyKey,
          await this.subscriptions.countKept(orgId),
          requestId,
        ),
      );
    void reply
      .status(replayed ? 200 : 201)
      .header('location', `/subscriptions/${subscriptionId}`)
      // The answer may hold a secret: no cache may keep it.
      .header('cache-control', 'no-store');
    const resource = await this.subscriptions.describe(
      foldRow(subscriptionProjection, stream)!,
    );
    return generatedSecret === undefined
      ? resource
      : { ...resource, secret: generatedSecret };
  }
}
