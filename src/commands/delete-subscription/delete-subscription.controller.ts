import { Controller, Delete, Param, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Org } from '../../infrastructure/auth/org.decorator';
import { RequestId } from '../../infrastructure/http/request-id';
import { AcceptingCommandsGuard } from '../../infrastructure/http/draining';
import { foldRow } from '../../projections/projection';
import { subscriptionProjection } from '../../projections/subscription/subscription.projection';
import { SubscriptionQueries } from '../../read-models/subscription/subscription.queries';
import type { SubscriptionResource } from '../../read-models/subscription/subscription.resource';
import { DeleteSubscriptionCommand } from './delete-subscription.command';

@Controller('subscriptions/:subscriptionId')
@UseGuards(AcceptingCommandsGuard)
export class DeleteSubscriptionController {
  constructor(
    private readonly commands: CommandBus,
    private readonly subscriptions: SubscriptionQueries,
  ) {}

  /** 200 with the subscription, `deleted`; deleting it again answers the same. */
  @Delete()
  async delete(
    @Org() orgId: string,
    @RequestId() requestId: string,
    @Param('subscriptionId') subscriptionId: string,
  ): Promise<SubscriptionResource> {
    const stream = await this.commands.execute(
      new DeleteSubscriptionCommand(orgId, subscriptionId, requestId),
    );
    return this.subscriptions.describe(
      foldRow(subscriptionProjection, stream)!,
    );
  }
}
