import { jsonOrNull } from '../../infrastructure/read-model-db/upsert-rows';
import { SubscriptionEntity } from '../../read-models/subscription/subscription.entity';
import type { SubscriptionRow } from '../../read-models/subscription/subscription.row';
import { tableWriter } from '../table-writer';

export const subscriptionWriter = tableWriter<SubscriptionRow>(
  SubscriptionEntity,
  'subscriptionId',
  {
    table: 'subscriptions',
    keyColumns: 1,
    columns: [
      'subscriptionId',
      'orgId',
      'url',
      'repoId',
      'eventTypes',
      'state',
      'pausedReason',
      'pausedAt',
      'idempotencyKey',
      'createdPosition',
      'createdAt',
      'updatedAt',
      'position',
    ],
    encode: { eventTypes: jsonOrNull },
  },
);
