import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../domain/domain-error';
import type {
  HookOutcome,
  WebhookDeliveryReceived,
} from '../../domain/events/hook.events';
import {
  HOOK_EVENTS,
  REPO_EVENTS,
  narrowAll,
} from '../../domain/events/stackyard-event';
import { foldEvents } from '../../domain/decider';
import { decidePush } from '../../domain/hooks/push.decision';
import { hookUnauthorized } from '../../domain/hooks/hook-unauthorized';
import { decidesAgain } from '../../domain/hooks/redelivery';
import { jobModel } from '../../domain/job/job.decider';
import type { JobPhase } from '../../domain/job/job.state';
import {
  evolveRepo,
  initialRepoState,
  type RepoState,
} from '../../domain/repo/repo.decider';
import { isSameRepository } from '../../domain/repo/same-repository';
import { webhookSecretContext } from '../../domain/repo/webhook-secret';
import type { MessageMetadata } from '../../domain/message';
import {
  hookDeliveryStream,
  jobStream,
  repoStream,
} from '../../domain/streams';
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
import {
  RepoDirectory,
  type RepoEntry,
} from '../../infrastructure/repo-directory/repo-directory';
import {
  SECRET_BOX,
  type SecretBox,
} from '../../infrastructure/secrets/secret-box';
import { type ForgeDelivery, readForgeDelivery } from './forge-delivery';
import { HookJobQueue, hookJobId } from './hook-job.queue';
import {
  ReceiveHookCommand,
  type ReceiveHookResult,
} from './receive-hook.command';

/**
 * Takes a forge's delivery to a repo. Before anything else it checks the delivery's
 * credential (GitHub's HMAC of the raw body, GitLab's token) against the repo's secret, in
 * constant time; an unknown repo, a repo without a secret, a secret that cannot be opened
 * (sealed under another key) and a bad credential are the same 401, and nothing is recorded.
 * Then it reads the delivery (coded 400s), refuses a payload about another repository (422),
 * and records the delivery in its own stream: a delivery id seen before is a duplicate that
 * records nothing, unless the job its last decision queued or rode on failed or was
 * cancelled (a forge's "Redeliver"): then it is decided again. A push to trunk queues a
 * coalesced `sync_repo`; a foreign push to a tracked branch moves it in the overview and,
 * with `autoRestack`, queues a coalesced `restack_subtree`. It never runs git.
 *
 * The job a decision queues has an id derived from the delivery (and its round), so that two
 * copies of one delivery at once reserve the same job: one records the delivery, the other
 * answers as its duplicate, and no job is queued that no delivery record names.
 */
@CommandHandler(ReceiveHookCommand)
export class ReceiveHookHandler implements ICommandHandler<ReceiveHookCommand> {
  private readonly repoStates: StreamFoldCache<RepoState>;
  private readonly jobs: HookJobQueue;
  private readonly logger = new Logger('ReceiveHook');
  /** Repos whose sealed secret could not be opened, warned about once each. */
  private readonly unreadable = new Set<string>();

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
    this.jobs = new HookJobQueue(store);
  }

  async execute(command: ReceiveHookCommand): Promise<ReceiveHookResult> {
    const { forge, repoId, headers, body } = command;
    // The HTTP edge refused unknown and secretless repos before reading the body; this is
    // the same check on the repo stream, which is the truth.
    const entry = this.repos.anyOrg(repoId);
    if (!entry) throw hookUnauthorized();
    const repo = (await this.repoStates.read(repoStream(repoId))).state;
    const secret = this.openSecret(repoId, repo.sealedSecret);
    if (secret === undefined) throw hookUnauthorized();
    const authentic =
      forge === 'github'
        ? isGithubSignature(secret, body, headers.credential)
        : isSameToken(secret, headers.credential);
    if (!authentic) throw hookUnauthorized();

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
    const earlier = await this.readDelivery(streamId);
    if (
      earlier.last &&
      !decidesAgain(await this.phaseOf(earlier.last.data.jobId))
    )
      return answerOf(earlier.last, true);

    const at = this.clock.now().toISOString();
    const metadata = (jobId?: string): MessageMetadata => ({
      ...(jobId !== undefined ? { jobId } : {}),
      correlationId: command.requestId ?? delivery.deliveryId,
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
      hookJobId(repoId, delivery.deliveryId, earlier.version + 1),
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
        {
          expectedVersion: earlier.version < 0 ? 'no_stream' : earlier.version,
        },
      );
    } catch (error) {
      // Another copy of the delivery decided this round first: it reserved the same job
      // (derived from the delivery), and its record is the answer.
      const first =
        error instanceof ConcurrencyError &&
        (await this.readDelivery(streamId)).last;
      if (first) return answerOf(first, true);
      throw error;
    }
    return answerOf(received, false);
  }

  /**
   * The repo's webhook secret in plain, or undefined without one. A secret that cannot be
   * opened (sealed under another key: the key changed, instances with different keys, a
   * shared database without `STACKYARD_SECRETS_KEY`) is no secret to the caller, who gets
   * the same 401 as for a wrong signature; the operator gets a warning, once per repo.
   */
  private openSecret(
    repoId: string,
    sealed: string | undefined,
  ): string | undefined {
    if (sealed === undefined) return undefined;
    try {
      const secret = this.secrets.open(sealed, webhookSecretContext(repoId));
      this.unreadable.delete(repoId);
      return secret;
    } catch (error) {
      if (!this.unreadable.has(repoId)) {
        this.unreadable.add(repoId);
        const code = error instanceof DomainError ? error.code : 'unknown';
        this.logger.warn(
          `repo ${repoId}: its webhook secret cannot be opened (${code}); its hooks are refused with 401 until the secret is set again or the key is fixed`,
        );
      }
      return undefined;
    }
  }

  private async decide(
    entry: RepoEntry,
    repo: RepoState,
    delivery: Exclude<ForgeDelivery, { kind: 'other' }>,
    metadata: (jobId?: string) => MessageMetadata,
    newJobId: string,
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
      newJobId,
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

  /** The delivery's last decision and its stream's version (-1: a new delivery id). */
  private async readDelivery(streamId: string): Promise<{
    last: WebhookDeliveryReceived | undefined;
    version: number;
  }> {
    const events = await this.store.readStream(streamId);
    const received = narrowAll(events, HOOK_EVENTS).filter(
      (e) => e.type === 'WebhookDeliveryReceived',
    );
    return { last: received.at(-1), version: events.length - 1 };
  }

  /** The phase of the job a delivery named, if it named one. */
  private async phaseOf(
    jobId: string | undefined,
  ): Promise<JobPhase | undefined> {
    if (jobId === undefined) return undefined;
    const events = await this.store.readStream(jobStream(jobId));
    return foldEvents(jobModel.decider, narrowAll(events, jobModel.kind)).phase;
  }
}

/** What a delivery's decision is answered with. */
function answerOf(
  event: WebhookDeliveryReceived,
  duplicate: boolean,
): ReceiveHookResult {
  return {
    kind: 'received',
    deliveryId: event.data.deliveryId,
    event: event.data.event,
    outcome: event.data.outcome,
    jobId: event.data.jobId ?? null,
    duplicate,
  };
}
