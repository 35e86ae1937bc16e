import { booleanAsInt, jsonOrNull } from '../../infrastructure/read-model-db/upsert-rows';
import { RepoEntity } from '../../read-models/repo/repo.entity';
import { tableWriter } from '../table-writer';
import type { RepoRow } from '../../read-models/repo/repo.row';

export const repoWriter = tableWriter<RepoRow>(RepoEntity, 'repoId', {
  table: 'repos',
  keyColumns: 1,
  columns: [
    'repoId',
    'orgId',
    'name',
    'remoteUrl',
    'trunk',
    'trunkSha',
    'updatedAt',
    'lastJobId',
    'branches',
    'remoteBranches',
    'tasks',
    'webhookSecretSet',
    'autoRestack',
    'lastWebhook',
    'position',
  ],
  encode: {
    branches: jsonOrNull,
    remoteBranches: jsonOrNull,
    tasks: jsonOrNull,
    webhookSecretSet: booleanAsInt,
    autoRestack: booleanAsInt,
    lastWebhook: jsonOrNull,
  },
});
