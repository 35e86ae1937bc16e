import type {
  WebhookDeliveryReceived,
  WebhookJobQueued,
} from '../../src/domain/events/hook.events';
import type {
  RepoAutoRestackSet,
  RepoWebhookSecretRemoved,
  RepoWebhookSecretSet,
} from '../../src/domain/events/repo.events';
import { sha } from './repo.builders';

export const aRepoWebhookSecretSet = (
  data: Partial<RepoWebhookSecretSet['data']> = {},
): RepoWebhookSecretSet => ({
  type: 'RepoWebhookSecretSet',
  data: { sealedSecret: 'v1.key.iv.sealed', ...data },
});

export const aRepoWebhookSecretRemoved = (): RepoWebhookSecretRemoved => ({
  type: 'RepoWebhookSecretRemoved',
  data: {},
});

export const aRepoAutoRestackSet = (
  data: Partial<RepoAutoRestackSet['data']> = {},
): RepoAutoRestackSet => ({
  type: 'RepoAutoRestackSet',
  data: { autoRestack: true, ...data },
});

export const aWebhookDeliveryReceived = (
  data: Partial<WebhookDeliveryReceived['data']> = {},
): WebhookDeliveryReceived => ({
  type: 'WebhookDeliveryReceived',
  data: {
    repoId: 'repo-1',
    forge: 'github',
    deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    event: 'push',
    outcome: 'sync_queued',
    push: {
      ref: 'refs/heads/main',
      before: sha('1'),
      after: sha('2'),
      deleted: false,
    },
    branch: 'main',
    jobId: 'job-1',
    ...data,
  },
});

export const aWebhookJobQueued = (
  data: Partial<WebhookJobQueued['data']> = {},
): WebhookJobQueued => ({
  type: 'WebhookJobQueued',
  data: {
    jobId: 'job-1',
    action: 'sync_repo',
    deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    ...data,
  },
});
