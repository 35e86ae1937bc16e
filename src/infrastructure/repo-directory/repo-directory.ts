import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import type { RepoRegistered } from '../../domain/events/repo.events';
import { eventKind, narrow } from '../../domain/events/stackyard-event';
import {
  EVENT_STORE,
  type EventStore,
  type RecordedEvent,
} from '../event-store/event-store.port';
import { type Follower, foldThenFollow } from '../event-store/fold-then-follow';
import {
  FOLLOWER_CHECKPOINTS,
  type FollowerCheckpoints,
} from '../checkpoints/follower-checkpoints.port';

export type RepoEntry = RepoRegistered['data'];

/** The one event the directory reads. */
const REGISTRATIONS = eventKind(['RepoRegistered']);

/** Names the directory's checkpoint (every registered repo); bump the version on change. */
const CHECKPOINT = { name: 'repo-directory', version: 1 } as const;

/**
 * Every registered repo by id, kept in memory from `RepoRegistered` events: the cheap
 * "is this repo known, and whose is it?" check of every command and every read, without a
 * database read on the accept path. It is the write side's index of registrations (as a
 * unique index is to a table), which the read side borrows for org isolation; so it sits
 * with the adapters over the store rather than on either side. The registering handler adds
 * its repo at once, so a client may act on a repo the moment it has the 202.
 *
 * Its size is the number of repos. With `checkpoints` it keeps them at a position, so that
 * a start reads only the registrations after it: finding them in the store means scanning
 * every event after the position (no index leads to an event type), which from position 1
 * would cost the whole history. A repo the handler added ahead of its event being folded
 * may be in a checkpoint already: its registration is in the store by then, so the
 * checkpoint holds nothing the store does not.
 */
@Injectable()
export class RepoDirectory
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly repos = new Map<string, RepoEntry>();
  private follower: Follower | undefined;
  private readonly logger = new Logger('RepoDirectory');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional()
    @Inject(FOLLOWER_CHECKPOINTS)
    private readonly checkpoints: FollowerCheckpoints | null = null,
  ) {}

  /** How the start read the history: where from, and how many events it folded. */
  get started(): { foldedFrom: number; folded: number } | undefined {
    return this.follower;
  }

  async onApplicationBootstrap(): Promise<void> {
    const addRegistered = (e: RecordedEvent) => {
      const event = narrow(e, REGISTRATIONS);
      if (event) this.add(event.data);
    };
    const checkpoints = this.checkpoints;
    this.follower = await foldThenFollow(this.store, {
      filter: { types: REGISTRATIONS.types },
      fold: addRegistered,
      follow: (batch) => batch.forEach(addRegistered),
      name: 'repo directory',
      logger: this.logger,
      ...(checkpoints
        ? {
            checkpoint: {
              checkpoints,
              ...CHECKPOINT,
              logger: this.logger,
              // Registrations are rare: save after each batch of them.
              everyEvents: 1,
              snapshot: (): RepoEntry[] => [...this.repos.values()],
              restore: (repos: RepoEntry[]) =>
                repos.forEach((r) => this.add(r)),
            },
          }
        : {}),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.follower?.close();
  }

  add(repo: RepoEntry): void {
    this.repos.set(repo.repoId, repo);
  }

  /**
   * The repo of any org: only for a caller that proves its right to the repo otherwise (a
   * forge hook, by its signature), and answers the same whether it exists or not.
   */
  anyOrg(repoId: string): RepoEntry | undefined {
    return this.repos.get(repoId);
  }

  /** The repo if it exists and belongs to `orgId`; another org's repo is not found either. */
  find(orgId: string, repoId: string): RepoEntry | undefined {
    const repo = this.repos.get(repoId);
    return repo?.orgId === orgId ? repo : undefined;
  }
}
