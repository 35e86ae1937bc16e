import type { GitEngine } from '../../../infrastructure/git/git-engine.port';
import type {
  JobStepContext,
  JobStepHandler,
  StepResult,
} from '../job-steps.port';
import type { RepoStateReader } from '../../repo-state.reader';

/** `pre_sync`: the repo's clone exists and holds the remote's branches as they are now. */
export class PreSyncStep implements JobStepHandler {
  constructor(
    private readonly repos: RepoStateReader,
    private readonly git: GitEngine,
  ) {}

  async run({ request }: JobStepContext): Promise<StepResult> {
    const repo = await this.repos.readRegistered(request.repoId);
    await this.git.ensureClone(request.repoId, repo.registered.remoteUrl);
    return { summary: 'fetched the remote' };
  }
}
