import { Injectable, Inject } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotFoundError } from '../../domain/domain-error';
import {
  READ_MODEL_PROGRESS,
  type ReadModelProgress,
} from '../read-model-progress.port';
import { RepoEntity } from './repo.entity';
import { type RepoResource, toRepoResource } from './repo.resource';
import { RepoDirectory } from '../../infrastructure/repo-directory/repo-directory';

@Injectable()
export class RepoQueries {
  constructor(
    private readonly db: DataSource,
    private readonly directory: RepoDirectory,
    @Inject(READ_MODEL_PROGRESS)
    private readonly projections: ReadModelProgress,
  ) {}

  /** Throws the same 404 for an unknown repo and another org's repo. */
  assertVisible(orgId: string, repoId: string): void {
    if (!this.directory.find(orgId, repoId)) {
      throw new NotFoundError('REPO.NOT_FOUND', `No repository ${repoId}`);
    }
  }

  async list(orgId: string): Promise<RepoResource[]> {
    const rows = await this.db.manager.find(RepoEntity, {
      where: { orgId },
      order: { name: 'ASC' },
    });
    return rows.map(toRepoResource);
  }

  async get(orgId: string, repoId: string): Promise<RepoResource> {
    this.assertVisible(orgId, repoId);
    let row = await this.db.manager.findOneBy(RepoEntity, { repoId });
    if (!row) {
      await this.projections.catchUpToHead();
      row = await this.db.manager.findOneBy(RepoEntity, { repoId });
    }
    if (!row)
      throw new NotFoundError('REPO.NOT_FOUND', `No repository ${repoId}`);
    return toRepoResource(row);
  }

  /**
   * A branch's head and parent when the cached overview tracks it with the head last seen
   * on the remote; undefined when a job must find out. One read-model lookup, no git.
   */
  async knownBranch(
    repoId: string,
    branchName: string,
  ): Promise<{ headSha: string; parent: string } | undefined> {
    const row = await this.db.manager.findOneBy(RepoEntity, { repoId });
    const branch = row?.branches.find((b) => b.name === branchName);
    if (!branch?.sha) return undefined;
    const seen = row!.remoteBranches.find((b) => b.name === branchName);
    return seen?.remoteSha === branch.sha
      ? { headSha: branch.sha, parent: branch.parent }
      : undefined;
  }
}
