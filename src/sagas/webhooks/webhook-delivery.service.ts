import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import {
  narrow,
  SUBSCRIPTION_EVENTS,
} from '../../domain/events/stackyard-event';
import {
  SUBSCRIPTION_STREAM_PREFIX,
  subscriptionStream,
} from '../../domain/streams';
import { subscriptionModel } from '../../domain/subscription/subscription.decider';
import { hostAllowed } from '../../domain/subscription/webhook-url';
import {
  FOLLOWER_CHECKPOINTS,
  type FollowerCheckpoints,
} from '../../infrastructure/checkpoints/follower-checkpoints.port';
import { CLOCK, type Clock } from '../../infrastructure/clock/clock';
import {
  APP_CONFIG,
  type AppConfig,
} from '../../infrastructure/config/app-config';
import {
  EVENT_STORE,
  type EventStore,
} from '../../infrastructure/event-store/event-store.port';
import {
  type Follower,
  foldThenFollow,
} from '../../infrastructure/event-store/fold-then-follow';
import { handleCommand } from '../../infrastructure/event-store/handle-command';
import {
  COMMAND_LOAD,
  type CommandLoad,
} from '../../infrastructure/http/command-load';
import {
  SECRET_BOX,
  type SecretBox,
} from '../../infrastructure/secrets/secret-box';
import {
  SHARED_LEASES,
  type SharedLeases,
} from '../../infrastructure/storage/storage';
import {
  DELIVERY_LOG,
  type DeliveryLog,
} from '../../infrastructure/webhooks/delivery-log.port';
import {
  HttpWebhookSender,
  type WebhookSender,
} from '../../infrastructure/webhooks/webhook-sender';
import { retryDelayMs } from './delivery.backoff';
import { SharedTail } from './shared-tail';
import { SubscriptionConsumer } from './subscription.consumer';
import { SubscriptionLeases } from './subscription-leases';
import {
  foldSubscription,
  type KnownSubscription,
} from './webhook-subscriptions';

/** Names the worker's checkpoint; bump the version when `KnownSubscription` changes shape. */
const CHECKPOINT = { name: 'webhook-subscriptions', version: 1 } as const;

/** Lets a test or the bench send deliveries its own way (a fake sender). */
export const WEBHOOK_SENDER = Symbol('WebhookSender');

/**
 * The delivery worker of outbound webhooks. It follows the subscription streams (which
 * subscriptions exist, and whether they deliver) and runs one `SubscriptionConsumer` per
 * active subscription, each from its own cursor: nothing is shared between subscriptions
 * but the store, so a slow or dead receiver holds up only its own subscription, and never
 * an accept or a job (the consumers only read the store, and append only a pause).
 *
 * On a shared database a subscription is delivered by the instance holding its lease.
 */
@Injectable()
export class WebhookDeliveryService
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly known = new Map<string, KnownSubscription>();
  private readonly consumers = new Map<string, SubscriptionConsumer>();
  private readonly leases: SubscriptionLeases | undefined;
  /** The one reader of the store's newest events that every consumer at the head reads. */
  private readonly tail: SharedTail;
  private readonly sender: WebhookSender;
  private readonly logger = new Logger('Webhooks');
  private follower: Follower | undefined;
  private stopping = false;
  private starting: Promise<void> | undefined;
  /** Starts and stops in order per subscription, so that two never overlap. */
  private readonly transitions = new Map<string, Promise<void>>();
  private readonly restarts = new Set<NodeJS.Timeout>();
  /** Subscriptions whose consumer cannot run (see `failed`), while they wait to try again. */
  private readonly failures = new Map<string, ConsumerFailure>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    @Inject(DELIVERY_LOG) private readonly log: DeliveryLog,
    @Inject(SHARED_LEASES) shared: SharedLeases | null,
    @Optional()
    @Inject(FOLLOWER_CHECKPOINTS)
    private readonly checkpoints: FollowerCheckpoints | null = null,
    @Optional() @Inject(WEBHOOK_SENDER) sender: WebhookSender | null = null,
    @Optional()
    @Inject(COMMAND_LOAD)
    private readonly load: CommandLoad | null = null,
  ) {
    this.sender =
      sender ??
      new HttpWebhookSender(
        config.webhooks.timeoutMs,
        () => clock.now().getTime(),
        config.webhookHosts,
      );
    this.tail = new SharedTail(store, {
      keep: 2000,
      retryMs: 1000,
      logger: this.logger,
    });
    this.leases = shared
      ? new SubscriptionLeases(shared.store, {
          holder: config.instanceId,
          ttlMs: config.leaseMs,
          changed: (id) => this.reconcile(id),
          logger: this.logger,
        })
      : undefined;
  }

  /** The subscriptions this instance delivers now. */
  get delivering(): string[] {
    return [...this.consumers.keys()];
  }

  onApplicationBootstrap(): Promise<void> {
    this.starting ??= this.start();
    return this.starting;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const timer of this.restarts) clearTimeout(timer);
    this.restarts.clear();
    await this.starting?.catch(() => undefined);
    await this.follower?.close();
    await Promise.all([...this.transitions.values()]);
    await Promise.all([...this.consumers.values()].map((c) => c.stop()));
    this.consumers.clear();
    await this.tail.close();
    await this.leases?.stop();
    this.sender.close?.();
  }

  private async start(): Promise<void> {
    await this.tail.start();
    const checkpoints = this.checkpoints;
    this.follower = await foldThenFollow(this.store, {
      filter: { streamPrefix: SUBSCRIPTION_STREAM_PREFIX },
      fold: (e) => {
        foldSubscription(this.known, e);
      },
      caughtUp: () => {
        this.leases?.start();
        for (const id of this.known.keys()) this.reconcile(id);
      },
      follow: (batch) => {
        for (const e of batch) {
          const id = foldSubscription(this.known, e);
          if (id !== undefined) this.reconcile(id);
        }
      },
      name: 'webhook delivery',
      logger: this.logger,
      ...(checkpoints
        ? {
            checkpoint: {
              checkpoints,
              ...CHECKPOINT,
              logger: this.logger,
              snapshot: (): KnownSubscription[] => [...this.known.values()],
              restore: (state: KnownSubscription[]) => {
                for (const s of state)
                  this.known.set(s.subscriptionId, { ...s });
              },
            },
          }
        : {}),
    });
  }

  /**
   * Brings one subscription's consumer in line with what is known: running here while the
   * subscription is active (and, on a shared database, its lease is held here), else not.
   */
  private reconcile(id: string): void {
    const previous = this.transitions.get(id) ?? Promise.resolve();
    const next = previous.then(() => this.apply(id));
    this.transitions.set(id, next);
    void next
      .catch((error: unknown) =>
        this.logger.error(`subscription ${id}: ${String(error)}`),
      )
      .finally(() => {
        if (this.transitions.get(id) === next) this.transitions.delete(id);
      });
  }

  private async apply(id: string): Promise<void> {
    const subscription = this.known.get(id);
    const active = subscription?.state === 'active' && !this.stopping;
    if (this.leases) {
      if (active) this.leases.want(id);
      else await this.leases.drop(id);
    }
    const run = active && (this.leases?.holds(id) ?? true);
    const consumer = this.consumers.get(id);
    if (!run) {
      if (consumer) {
        this.consumers.delete(id);
        await consumer.stop();
      }
      return;
    }
    if (consumer || !subscription) return;
    // The allow-list may have changed since the subscription was made: a URL it no longer
    // names is not delivered to, and the org learns why from the pause.
    if (!hostAllowed(new URL(subscription.url), this.config.webhookHosts)) {
      const reason = `the URL's host ${new URL(subscription.url).host} is no longer in the webhook allow-list (STACKYARD_WEBHOOK_HOSTS)`;
      try {
        const cursor = await this.log.cursor(id);
        await this.pause(
          subscription,
          reason,
          cursor?.failingSince ?? this.clock.now().toISOString(),
          Math.max(cursor?.position ?? 0, subscription.createdPosition),
        );
      } catch (error) {
        // Not recorded (the store or the log failing): tried again with the backoff.
        return this.failed(
          subscription,
          `${reason}; the pause was not recorded (${errorText(error)})`,
        );
      }
      return;
    }
    let secret: string;
    try {
      secret = await this.openSecret(id);
    } catch (error) {
      return this.failed(subscription, errorText(error));
    }
    if (this.stopping || this.consumers.has(id)) return;
    const started = new SubscriptionConsumer(
      { ...subscription, secret },
      {
        store: this.tail,
        sender: this.sender,
        log: this.log,
        pause: (reason, failingSince, event) =>
          this.pause(
            subscription,
            reason,
            failingSince,
            event.globalPosition,
            event.eventId,
          ),
        failed: (error) => {
          if (this.consumers.get(id) !== started) return;
          this.consumers.delete(id);
          void this.failed(
            subscription,
            `delivery stopped: ${errorText(error)}`,
          ).catch((e: unknown) =>
            this.logger.error(`subscription ${id}: ${String(e)}`),
          );
        },
        recovered: () => this.failures.delete(id),
        owns: () => this.leases?.holds(id) ?? true,
        logger: this.logger,
      },
      {
        retry: this.retryPolicy,
        pauseAfterMs: this.config.webhooks.pauseAfterMs,
        pageSize: 200,
        flushMs: 250,
        now: () => this.clock.now().getTime(),
        ...(this.load ? { yieldTo: this.load, restMs: 20 } : {}),
      },
    );
    this.consumers.set(id, started);
    started.start();
  }

  private get retryPolicy(): { baseMs: number; capMs: number } {
    return {
      baseMs: this.config.webhooks.retryBaseMs,
      capMs: this.config.webhooks.retryCapMs,
    };
  }

  /**
   * A subscription whose consumer cannot run (its secret does not open, its loop failed on
   * the store or the log) is tried again with the deliveries' backoff, from its cursor, so
   * nothing is skipped; meanwhile its cursor says since when it fails, and on a shared
   * database its lease is given up, so another instance (with a working key or store) may
   * take it. Failing for longer than the pause bound pauses it with the reason, as failed
   * deliveries do.
   */
  private async failed(
    subscription: KnownSubscription,
    reason: string,
  ): Promise<void> {
    const id = subscription.subscriptionId;
    const now = this.clock.now().getTime();
    let failure = this.failures.get(id);
    if (!failure) {
      const cursor = await this.log.cursor(id).catch(() => undefined);
      const stored = cursor?.failingSince ?? null;
      failure = {
        since:
          stored !== null &&
          (subscription.resumedAt === null || stored > subscription.resumedAt)
            ? stored
            : new Date(now).toISOString(),
        attempt: 0,
        position: Math.max(cursor?.position ?? 0, subscription.createdPosition),
      };
      this.failures.set(id, failure);
    }
    failure.attempt++;
    if (now - Date.parse(failure.since) >= this.config.webhooks.pauseAfterMs) {
      try {
        await this.pause(subscription, reason, failure.since, failure.position);
        this.failures.delete(id);
        return;
      } catch (error) {
        this.logger.warn(
          `subscription ${id}: pause not recorded (${String(error)}); trying again`,
        );
      }
    }
    const waitMs = Math.max(1, retryDelayMs(failure.attempt, this.retryPolicy));
    // Never the secret: the reason says why it does not open, not what it holds.
    this.logger.error(
      `subscription ${id}: ${reason}; trying again in ${waitMs} ms, and paused if it fails for longer than STACKYARD_WEBHOOK_PAUSE_AFTER_MS (a paused subscription resumes from its checkpoint once the cause is fixed; recreating it would lose the events in between)`,
    );
    await this.log
      .record(
        id,
        { position: failure.position, failingSince: failure.since },
        [],
      )
      .catch(() => undefined);
    await this.leases?.drop(id);
    const timer = setTimeout(() => {
      this.restarts.delete(timer);
      if (!this.stopping) this.reconcile(id);
    }, waitMs);
    this.restarts.add(timer);
  }

  /** The signing secret, from the subscription's first event, opened for this consumer. */
  private async openSecret(id: string): Promise<string> {
    const [first] = await this.store.readStream(subscriptionStream(id), {
      maxCount: 1,
    });
    const created = first && narrow(first, SUBSCRIPTION_EVENTS);
    if (created?.type !== 'SubscriptionCreated')
      throw new Error('its SubscriptionCreated is not in the store');
    try {
      return this.secrets.open(created.data.sealedSecret, `subscription:${id}`);
    } catch (error) {
      throw new Error(
        `the signing secret cannot be opened: ${(error as Error).message}`,
      );
    }
  }

  /** Records that the subscription kept failing; its consumer has returned already. */
  private async pause(
    subscription: KnownSubscription,
    reason: string,
    failingSince: string,
    position: number,
    causationId?: string,
  ): Promise<void> {
    const id = subscription.subscriptionId;
    this.logger.warn(
      `subscription ${id}: paused after failing since ${failingSince} (${reason})`,
    );
    await handleCommand(
      this.store,
      subscriptionStream(id),
      subscriptionModel,
      {
        type: 'PauseSubscription',
        data: { reason, failingSince, position },
      },
      {
        metadata: {
          correlationId: id,
          ...(causationId === undefined ? {} : { causationId }),
          actor: 'system:webhooks',
          orgId: subscription.orgId,
          at: this.clock.now().toISOString(),
        },
      },
    );
  }
}

/** A subscription that cannot deliver for a reason of its own consumer's. */
interface ConsumerFailure {
  /** Since when it fails (kept across restarts in its cursor). */
  since: string;
  /** Tries so far, for the backoff. */
  attempt: number;
  /** Where delivery stands: the pause's position. */
  position: number;
}

const errorText = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
