import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { RepoRegistered } from '../../domain/events/repo.events';
import { eventKind, narrow } from '../../domain/events/stackyard-event';
import {
  EVENT_STORE,
  type EventStore,
  type RecordedEvent,
} from '../event-store/event-store.port';
import { type Follower, foldThenFollow } from '../event-store/fold-then-follow';

export type RepoEntry = RepoRegistered['data'];

/** The one event the directory reads. */
const REGISTRATIONS = eventKind(['RepoRegistered']);

/**
 * Every registered repo by id, kept in memory from `RepoRegistered` events: the cheap
 * "is this repo known, and whose is it?" check of every command and every read, without a
 * database read on the accept path. It is the write side's index of registrations (as a
 * unique index is to a table), which the read side borrows for org isolation; so it sits
 * with the adapters over the store rather than on either side. The registering handler adds
 * its repo at once, so a client may act on a repo the moment it has the 202.
 */
@Injectable()
export class RepoDirectory
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly repos = new Map<string, RepoEntry>();
  private follower: Follower | undefined;
  private readonly logger = new Logger('RepoDirectory');

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationBootstrap(): Promise<void> {
    const addRegistered = (e: RecordedEvent) => {
      const event = narrow(e, REGISTRATIONS);
      if (event) this.add(event.data);
    };
    this.follower = await foldThenFollow(this.store, {
      filter: { types: REGISTRATIONS.types },
      fold: addRegistered,
      follow: (batch) => batch.forEach(addRegistered),
      name: 'repo directory',
      logger: this.logger,
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.follower?.close();
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
