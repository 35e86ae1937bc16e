import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { RepoRegistered } from '../../domain/events/repo.events';
import {
  EVENT_STORE,
  type EventStore,
  type EventSubscription,
} from '../../infrastructure/event-store/event-store.port';

export type RepoEntry = RepoRegistered['data'];

/**
 * Every registered repo by id, kept in memory from `RepoRegistered` events: the cheap
 * "is this repo known, and whose is it?" check of every command, without a database read on
 * the accept path. The registering handler adds its repo at once, so a client may act on a
 * repo the moment it has the 202.
 */
@Injectable()
export class RepoDirectory
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly repos = new Map<string, RepoEntry>();
  private subscription: EventSubscription | undefined;
  private loop: Promise<void> | undefined;
  private readonly logger = new Logger('RepoDirectory');

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationBootstrap(): Promise<void> {
    const filter = { types: ['RepoRegistered'] };
    let from = 1;
    for (;;) {
      const page = await this.store.readAll({
        fromPosition: from,
        limit: 5000,
        filter,
      });
      for (const e of page.events) this.add(e.data as RepoEntry);
      from = page.nextPosition;
      if (page.isEnd) break;
    }
    const subscription = this.store.subscribe({ fromPosition: from, filter });
    this.subscription = subscription;
    this.loop = (async () => {
      try {
        for await (const batch of subscription)
          for (const e of batch) this.add(e.data as RepoEntry);
      } catch (error) {
        this.logger.error(`repo directory stopped: ${String(error)}`);
      }
    })();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.subscription?.close();
    await this.loop;
  }

  add(repo: RepoEntry): void {
    this.repos.set(repo.repoId, repo);
  }

  /** The repo if it exists and belongs to `orgId`; another org's repo is not found either. */
  find(orgId: string, repoId: string): RepoEntry | undefined {
    const repo = this.repos.get(repoId);
    return repo?.orgId === orgId ? repo : undefined;
  }
}
