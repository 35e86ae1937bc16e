import { Command } from '@nestjs/cqrs';
import type { RepoResource } from '../../read-models/repo/repo.resource';

export class RegisterRepoCommand extends Command<RepoResource> {
  constructor(
    readonly orgId: string,
    readonly name: string,
    readonly remoteUrl: string,
    readonly trunk: string,
  ) {
    super();
  }
}
