import { DomainError } from '../domain/domain-error';
import { narrowAll, REPO_EVENTS } from '../domain/events/stackyard-event';
import {
  evolveRepo,
  initialRepoState,
  type RepoState,
} from '../domain/repo/repo.decider';
import { repoStream } from '../domain/streams';
import type { EventStore } from '../infrastructure/event-store/event-store.port';

/** A repo's state once its registration is known. */
export type RegisteredRepoState = RepoState & {
  registered: NonNullable<RepoState['registered']>;
};

const isRegistered = (repo: RepoState): repo is RegisteredRepoState =>
  repo.registered !== undefined;

/**
 * Each repo's state (registration and stack) folded from its stream, kept per repo and
 * brought up to date by reading only the events after the last one folded: a repo's
 * stream grows with every job, and a job should not re-read all of it.
 */
export class RepoStateReader {
  private readonly cache = new Map<
    string,
    { version: number; state: RepoState }
  >();

  constructor(private readonly store: EventStore) {}

  async read(repoId: string): Promise<RepoState> {
    const cached = this.cache.get(repoId) ?? {
      version: -1,
      state: initialRepoState(),
    };
    const fresh = await this.store.readStream(repoStream(repoId), {
      fromVersion: cached.version + 1,
    });
    let { state } = cached;
    for (const event of narrowAll(fresh, REPO_EVENTS))
      state = evolveRepo(state, event);
    const version = fresh.at(-1)?.streamVersion ?? cached.version;
    this.cache.set(repoId, { version, state });
    return state;
  }

  /** The state of a repo that must be registered: a job's steps cannot run without one. */
  async readRegistered(repoId: string): Promise<RegisteredRepoState> {
    const repo = await this.read(repoId);
    if (!isRegistered(repo)) {
      throw new DomainError(
        'REPO.NOT_FOUND',
        'not_found',
        `No repository ${repoId}`,
      );
    }
    return repo;
  }
}
