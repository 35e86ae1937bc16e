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
import { repoIdOfStream } from '../../domain/streams';
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

/** What the directory reads: registrations, and whether a repo has a webhook secret. */
const REGISTRATIONS = eventKind([
  'RepoRegistered',
  'RepoWebhookSecretSet',
  'RepoWebhookSecretRemoved',
]);

/** Names the directory's checkpoint (every registered repo); bump the version on change. */
const CHECKPOINT = { name: 'repo-directory', version: 2 } as const;

/** The directory's checkpoint: every registered repo, and those with a webhook secret. */
interface RepoDirectoryCheckpoint {
  repos: RepoEntry[];
  withWebhookSecret: string[];
}

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
 *
 * It also knows which repos have a webhook secret, so that a forge hook to an unknown or
 * secretless repo is refused before its body is read (`infrastructure/http/raw-body.ts`).
 */
@Injectable()
export class RepoDirectory
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly repos = new Map<string, RepoEntry>();
  private readonly withWebhookSecret = new Set<string>();
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
      const repoId = repoIdOfStream(e.streamId);
      switch (event?.type) {
        case 'RepoRegistered':
          this.add(event.data);
          return;
        case 'RepoWebhookSecretSet':
        case 'RepoWebhookSecretRemoved':
          if (repoId !== undefined)
            this.webhookSecretSet(
              repoId,
              event.type === 'RepoWebhookSecretSet',
            );
          return;
        case undefined:
          return;
      }
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
              snapshot: (): RepoDirectoryCheckpoint => ({
                repos: [...this.repos.values()],
                withWebhookSecret: [...this.withWebhookSecret],
              }),
              restore: (state: RepoDirectoryCheckpoint) => {
                state.repos.forEach((r) => this.add(r));
                state.withWebhookSecret.forEach((id) =>
                  this.withWebhookSecret.add(id),
                );
              },
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
   * Notes that `repoId` has a webhook secret now, or has none: the handlers that record it
   * call this at once, so that the repo's hooks are taken the moment they have answered.
   */
  webhookSecretSet(repoId: string, set: boolean): void {
    if (set) this.withWebhookSecret.add(repoId);
    else this.withWebhookSecret.delete(repoId);
  }

  /**
   * Whether `repoId` is a registered repo with a webhook secret: a forge hook to any other
   * cannot verify, and is refused before its body is read. Folded from the store, so on
   * another instance a secret just set may be seen a moment later (that hook gets 401).
   */
  takesHooks(repoId: string): boolean {
    return this.repos.has(repoId) && this.withWebhookSecret.has(repoId);
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
