import { randomBytes } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { v7 as uuidv7 } from 'uuid';
import { DomainError } from '../../domain/domain-error';
import type {
  HookOutcome,
  WebhookDeliveryReceived,
} from '../../domain/events/hook.events';
import {
  HOOK_EVENTS,
  narrow,
  REPO_EVENTS,
  narrowAll,
} from '../../domain/events/stackyard-event';
import { decidePush } from '../../domain/hooks/push.decision';
import {
  evolveRepo,
  initialRepoState,
  type RepoState,
} from '../../domain/repo/repo.decider';
import { isSameRepository } from '../../domain/repo/same-repository';
import { webhookSecretContext } from '../../domain/repo/webhook-secret';
import type { MessageMetadata } from '../../domain/message';
import { hookDeliveryStream, repoStream } from '../../domain/streams';
import { CLOCK, type Clock } from '../../infrastructure/clock/clock';
import { ConcurrencyError } from '../../infrastructure/event-store/event-store.errors';
import {
  EVENT_STORE,
  type EventStore,
} from '../../infrastructure/event-store/event-store.port';
import { StreamFoldCache } from '../../infrastructure/event-store/stream-fold.cache';
import {
  isGithubSignature,
  isSameToken,
} from '../../infrastructure/hooks/hook-signature';
import { currentRequestId } from '../../infrastructure/logging/request-context';
import {
  RepoDirectory,
  type RepoEntry,
} from '../../infrastructure/repo-directory/repo-directory';
import {
  SECRET_BOX,
  type SecretBox,
} from '../../infrastructure/secrets/secret-box';
import { type ForgeDelivery, readForgeDelivery } from './forge-delivery';
import { HookJobQueue } from './hook-job.queue';
import {
  ReceiveHookCommand,
  type ReceiveHookResult,
} from './receive-hook.command';

/** What an unknown repo's or a secretless repo's credential is checked against, in vain. */
const NO_SECRET = randomBytes(32).toString('hex');

/** One answer for every delivery that does not prove itself, so repo ids cannot be probed. */
const notAuthenticated = () =>
  new DomainError(
    'HOOK.UNAUTHORIZED',
    'unauthorized',
    "The delivery's signature does not verify against a webhook secret of this repo",
  );

/**
 * Takes a forge's delivery to a repo. Before anything else it checks the delivery's
 * credential (GitHub's HMAC of the raw body, GitLab's token) against the repo's secret, in
 * constant time; an unknown repo, a repo without a secret and a bad credential are the same
 * 401, and nothing is recorded. Then it reads the delivery (coded 400s), refuses a payload
 * about another repository (422), and records the delivery once in its own stream (a
 * replayed delivery id finds it and records nothing). A push to trunk queues a coalesced
 * `sync_repo`; a foreign push to a tracked branch moves it in the overview and, with
 * `autoRestack`, queues a coalesced `restack_subtree`. It never runs git.
 */
@CommandHandler(ReceiveHookCommand)
export class ReceiveHookHandler implements ICommandHandler<ReceiveHookCommand> {
  private readonly repoStates: StreamFoldCache<RepoState>;
  private readonly jobs: HookJobQueue;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    private readonly repos: RepoDirectory,
  ) {
    this.repoStates = new StreamFoldCache(
      store,
      initialRepoState,
      (state, events) =>
        narrowAll(events, REPO_EVENTS).reduce(evolveRepo, state),
    );
    this.jobs = new HookJobQueue(store, () => uuidv7());
  }

  async execute(command: ReceiveHookCommand): Promise<ReceiveHookResult> {
    const { forge, repoId, headers, body } = command;
    const entry = this.repos.anyOrg(repoId);
    const repo = entry
      ? (await this.repoStates.read(repoStream(repoId))).state
      : undefined;
    const secret =
      repo?.sealedSecret === undefined
        ? undefined
        : this.secrets.open(repo.sealedSecret, webhookSecretContext(repoId));
    // Without a secret the credential is still checked, against none that can match, so
    // that an unknown repo costs what a known one does.
    const authentic =
      forge === 'github'
        ? isGithubSignature(secret ?? NO_SECRET, body, headers.credential)
        : isSameToken(secret ?? NO_SECRET, headers.credential);
    if (!entry || !repo || secret === undefined || !authentic)
      throw notAuthenticated();

    const delivery = readForgeDelivery(forge, headers, body);
    if (delivery.kind === 'other') return { kind: 'ignored_event' };
    if (
      delivery.repositoryUrls !== undefined &&
      !isSameRepository(entry.remoteUrl, delivery.repositoryUrls)
    )
      throw new DomainError(
        'HOOK.REPOSITORY_MISMATCH',
        'unprocessable',
        "The delivery is about another repository than this repo's remote",
      );
    const streamId = hookDeliveryStream(repoId, delivery.deliveryId);
    const earlier = await this.recorded(streamId);
    if (earlier) return earlier;

    const at = this.clock.now().toISOString();
    const metadata = (jobId?: string): MessageMetadata => ({
      ...(jobId !== undefined ? { jobId } : {}),
      correlationId: currentRequestId() ?? delivery.deliveryId,
      actor: `system:${forge}-hook`,
      orgId: entry.orgId,
      repoId,
      at,
    });
    const { outcome, branch, jobId } = await this.decide(
      entry,
      repo,
      delivery,
      metadata,
    );
    const received: WebhookDeliveryReceived = {
      type: 'WebhookDeliveryReceived',
      data: {
        repoId,
        forge,
        deliveryId: delivery.deliveryId,
        event: delivery.event,
        outcome,
        ...(delivery.kind === 'push' ? { push: delivery.push } : {}),
        ...(branch !== undefined ? { branch } : {}),
        ...(jobId !== undefined ? { jobId } : {}),
      },
    };
    try {
      await this.store.appendToStream(
        streamId,
        [{ ...received, metadata: metadata() }],
        { expectedVersion: 'no_stream' },
      );
    } catch (error) {
      // The same delivery at the same time: it rode on the same job, and is recorded once.
      const first =
        error instanceof ConcurrencyError && (await this.recorded(streamId));
      if (first) return first;
      throw error;
    }
    return {
      kind: 'received',
      deliveryId: delivery.deliveryId,
      event: delivery.event,
      outcome,
      jobId: jobId ?? null,
      duplicate: false,
    };
  }

  private async decide(
    entry: RepoEntry,
    repo: RepoState,
    delivery: Exclude<ForgeDelivery, { kind: 'other' }>,
    metadata: (jobId?: string) => MessageMetadata,
  ): Promise<{ outcome: HookOutcome; branch?: string; jobId?: string }> {
    if (delivery.kind === 'ping') return { outcome: 'pong' };
    const decision = decidePush(repo, delivery.push);
    if (decision.kind === 'record') return decision;
    const { jobId, coalesced } = await this.jobs.enqueue(
      { orgId: entry.orgId, repoId: entry.repoId },
      {
        action: decision.action,
        ...(decision.branchName !== undefined
          ? { branchName: decision.branchName }
          : {}),
        deliveryId: delivery.deliveryId,
      },
      metadata,
    );
    const outcome: HookOutcome =
      decision.action === 'sync_repo'
        ? coalesced
          ? 'sync_coalesced'
          : 'sync_queued'
        : coalesced
          ? 'restack_coalesced'
          : 'restack_queued';
    return { outcome, branch: decision.branch, jobId };
  }

  /** The delivery as first recorded, answered again as a duplicate; undefined if new. */
  private async recorded(
    streamId: string,
  ): Promise<ReceiveHookResult | undefined> {
    const [first] = await this.store.readStream(streamId, { maxCount: 1 });
    const event = first && narrow(first, HOOK_EVENTS);
    if (event?.type !== 'WebhookDeliveryReceived') return undefined;
    return {
      kind: 'received',
      deliveryId: event.data.deliveryId,
      event: event.data.event,
      outcome: event.data.outcome,
      jobId: event.data.jobId ?? null,
      duplicate: true,
    };
  }
}
