import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { Org } from '../../infrastructure/auth/org.decorator';
import { parseInput } from '../../infrastructure/http/parse-body';
import {
  READ_MODEL_PROGRESS,
  type ReadModelProgress,
} from '../read-model-progress.port';
import { ReadQuery } from '../read-queries.dto';
import {
  DeliveriesQuery,
  SubscriptionsQuery,
} from './subscription.queries.dto';
import { SubscriptionQueries } from './subscription.queries';
import type {
  DeliveryListResource,
  SubscriptionListResource,
  SubscriptionResource,
} from './subscription.resource';

@Controller('subscriptions')
export class SubscriptionController {
  constructor(
    private readonly subscriptions: SubscriptionQueries,
    @Inject(READ_MODEL_PROGRESS)
    private readonly projections: ReadModelProgress,
  ) {}

  @Get()
  async list(
    @Org() orgId: string,
    @Query() query: unknown,
  ): Promise<SubscriptionListResource> {
    const { minPosition, limit } = parseInput(
      SubscriptionsQuery,
      query,
      'query',
    );
    await this.projections.reach(minPosition);
    return { items: await this.subscriptions.list(orgId, limit) };
  }

  @Get(':subscriptionId')
  async get(
    @Org() orgId: string,
    @Param('subscriptionId') subscriptionId: string,
    @Query() query: unknown,
  ): Promise<SubscriptionResource> {
    const { minPosition } = parseInput(ReadQuery, query, 'query');
    await this.projections.reach(minPosition);
    return this.subscriptions.get(orgId, subscriptionId);
  }

  @Get(':subscriptionId/deliveries')
  async deliveries(
    @Org() orgId: string,
    @Param('subscriptionId') subscriptionId: string,
    @Query() query: unknown,
  ): Promise<DeliveryListResource> {
    const { minPosition, limit } = parseInput(DeliveriesQuery, query, 'query');
    await this.projections.reach(minPosition);
    return {
      items: await this.subscriptions.deliveries(orgId, subscriptionId, limit),
    };
  }
}
