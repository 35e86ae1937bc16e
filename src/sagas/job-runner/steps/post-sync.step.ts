import type { RepoBranchesObserved } from '../../../domain/events/repo.events';
import type { Clock } from '../../../infrastructure/clock/clock';
import type { GitEngine } from '../../../infrastructure/git/git-engine.port';
import { StackFactsReader } from '../../../infrastructure/git/operations/stack-facts.reader';
import type {
  JobStepContext,
  JobStepHandler,
  StepResult,
} from '../job-steps.port';
import type { RepoStateReader } from '../../repo-state.reader';

/**
 * `post_sync`: fetches again and records every remote branch head, for the stack overview,
 * with whether each tracked branch sits on its parent's head: the read side never runs git,
 * and a branch rebased by hand is only known to be in place this way.
 */
export class PostSyncStep implements JobStepHandler {
  private readonly facts: StackFactsReader;

  constructor(
    private readonly repos: RepoStateReader,
    private readonly git: GitEngine,
    private readonly clock: Clock,
  ) {
    this.facts = new StackFactsReader(git);
  }

  async run(context: JobStepContext): Promise<StepResult> {
    const { repoId } = context.request;
    const repo = await this.repos.readRegistered(repoId);
    await this.git.fetch(repoId);
    const remote = await this.git.remoteHeads(repoId);
    const local = await this.git.localHeads(repoId);
    const onParentHead = await this.facts.onParentHead(
      repoId,
      repo.stack,
      remote,
    );
    const trunk = repo.stack.trunk;
    const observed: RepoBranchesObserved = {
      type: 'RepoBranchesObserved',
      data: {
        trunk,
        trunkSha: remote.get(trunk) ?? '',
        branches: [...remote]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, remoteSha]) => {
            const on = onParentHead.get(name);
            return {
              name,
              sha: local.get(name) ?? remoteSha,
              remoteSha,
              ...(on !== undefined ? { onParentHead: on } : {}),
            };
          }),
        observedAt: this.clock.now().toISOString(),
      },
    };
    await context.recordRepoEvents([observed]);
    return { summary: `observed ${remote.size} remote branch(es)` };
  }
}
