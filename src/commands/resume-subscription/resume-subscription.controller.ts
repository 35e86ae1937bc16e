import { Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Org } from '../../infrastructure/auth/org.decorator';
import { RequestId } from '../../infrastructure/http/request-id';
import { AcceptingCommandsGuard } from '../../infrastructure/http/draining';
import { foldRow } from '../../projections/projection';
import { subscriptionProjection } from '../../projections/subscription/subscription.projection';
import { SubscriptionQueries } from '../../read-models/subscription/subscription.queries';
import type { SubscriptionResource } from '../../read-models/subscription/subscription.resource';
import { ResumeSubscriptionCommand } from './resume-subscription.command';

@Controller('subscriptions/:subscriptionId/resume')
@UseGuards(AcceptingCommandsGuard)
export class ResumeSubscriptionController {
  constructor(
    private readonly commands: CommandBus,
    private readonly subscriptions: SubscriptionQueries,
  ) {}

  /**
   * 200 with the subscription `active`: delivery goes on from its checkpoint. Resuming an
   * active one answers the same; a deleted one is 409.
   */
  @Post()
  @HttpCode(200)
  async resume(
    @Org() orgId: string,
    @RequestId() requestId: string,
    @Param('subscriptionId') subscriptionId: string,
  ): Promise<SubscriptionResource> {
    const stream = await this.commands.execute(
      new ResumeSubscriptionCommand(orgId, subscriptionId, requestId),
    );
    return this.subscriptions.describe(
      foldRow(subscriptionProjection, stream)!,
    );
  }
}
