import { subscriptionStream } from '../../domain/streams';
import {
  type DeliveryFilter,
  isDeliverable,
} from '../../domain/subscription/deliverable';
import type {
  EventSubscription,
  RecordedEvent,
} from '../../infrastructure/event-store/event-store.port';
import {
  DELIVERIES_KEPT,
  type DeliveryAttempt,
  type DeliveryLog,
} from '../../infrastructure/webhooks/delivery-log.port';
import type {
  WebhookOutcome,
  WebhookSender,
} from '../../infrastructure/webhooks/webhook-sender';
import { type BackoffPolicy, retryDelayMs } from './delivery.backoff';
import type { ConsumerReads } from './shared-tail';
import { webhookPayload } from './webhook-payload';

/** A subscription as its consumer delivers it: the secret opened, ready to sign. */
export interface DeliveryTarget extends DeliveryFilter {
  subscriptionId: string;
  url: string;
  secret: string;
  /** Delivery starts after this position (the subscription's creation) without a cursor. */
  createdPosition: number;
  /** Failures from before this time (a resume) do not count towards the pause bound. */
  resumedAt: string | null;
}

export interface ConsumerOptions {
  retry: BackoffPolicy;
  /** Failing for longer than this without a success pauses the subscription. */
  pauseAfterMs: number;
  /** Events per store read: the most one consumer holds in memory. */
  pageSize: number;
  /** How often the cursor and attempts are written while deliveries go on. */
  flushMs: number;
  now: () => number;
  random?: () => number;
  /**
   * While it is busy (commands waiting on the event loop), each event waits `restMs` before
   * its delivery: deliveries give way to accepts, and still go on under a load that does not
   * end, one per rest and round trip (about 50 events/s a subscription at 20 ms). Resting
   * before every other delivery only (a floor twice as high) cost the accepts 0.80× of the
   * same load without subscriptions in `bench:hooks`, against 1.04× resting before each.
   */
  yieldTo?: { readonly busy: boolean };
  restMs?: number;
}

export interface ConsumerDeps {
  /** The store, or the instance's shared tail of it (`SharedTail`). */
  store: ConsumerReads;
  sender: WebhookSender;
  log: DeliveryLog;
  /** Records `SubscriptionPaused`; the consumer has stopped when it is called. */
  pause(
    reason: string,
    failingSince: string,
    event: RecordedEvent,
  ): Promise<void>;
  /** The loop ended on an error of its own (the store or the log failing): start it again. */
  failed?(error: unknown): void;
  /**
   * The consumer read the store on starting: a failure of its own (not of its receiver) is
   * over. True when there was one, whose `failingSince` the consumer then clears.
   */
  recovered?(): boolean;
  /**
   * Whether this consumer still owns the subscription (on a shared database: its lease is
   * held here); the cursor is written only while it does.
   */
  owns?(): boolean;
  logger: { warn(message: string): void; error(message: string): void };
}

/**
 * One subscription's durable consumer: it reads the store in pages from its own cursor (no
 * queue shared with any other subscription, no backlog held beyond one page), and delivers
 * each event the subscription gets, one POST at a time, in global order. An event is
 * retried until its receiver answers 2xx, so the cursor never passes an undelivered event;
 * a run of failures longer than the bound pauses the subscription instead, at that event.
 *
 * The cursor is written every `flushMs` (and when the consumer stops), not after every
 * event: a crash between two writes delivers the events since the last one again, which
 * at-least-once allows and receivers dedupe by event id.
 */
export class SubscriptionConsumer {
  private readonly stopping = new AbortController();
  private subscription: EventSubscription | undefined;
  private running: Promise<void> | undefined;
  private position = 0;
  private failingSince: string | null = null;
  private attempts: DeliveryAttempt[] = [];
  private dirty = false;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Deliveries that reached their receiver; for tests and the bench. */
  delivered = 0;

  constructor(
    private readonly target: DeliveryTarget,
    private readonly deps: ConsumerDeps,
    private readonly options: ConsumerOptions,
  ) {}

  get subscriptionId(): string {
    return this.target.subscriptionId;
  }

  start(): void {
    this.running ??= this.run().catch((error: unknown) => {
      if (!this.stopped) this.deps.failed?.(error);
      else
        this.deps.logger.error(
          `subscription ${this.target.subscriptionId}: delivery stopped: ${String(error)}`,
        );
    });
  }

  /** Abandons a delivery in flight, writes the cursor, and settles once the loop is over. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.subscription?.close();
    await this.running;
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    const { target } = this;
    const cursor = await this.deps.log.cursor(target.subscriptionId);
    this.position = Math.max(cursor?.position ?? 0, target.createdPosition);
    const failingSince = cursor?.failingSince ?? null;
    this.failingSince =
      failingSince !== null &&
      (target.resumedAt === null || failingSince > target.resumedAt)
        ? failingSince
        : null;
    if (this.stopped) return;
    // One small read first: the store answers again, so a failure of the consumer's own is
    // over, and its time must not count towards pausing the receiver's failures later.
    await this.deps.store.readAll({
      fromPosition: this.position + 1,
      limit: 1,
    });
    if (this.deps.recovered?.()) {
      this.failingSince = null;
      this.dirty = true;
    }
    if (this.stopped) return;
    const subscription = this.deps.store.subscribe({
      fromPosition: this.position + 1,
      batchSize: this.options.pageSize,
    });
    this.subscription = subscription;
    const ownStream = subscriptionStream(target.subscriptionId);
    this.timer = setInterval(() => void this.flush(), this.options.flushMs);
    this.timer.unref();
    try {
      for await (const batch of subscription) {
        for (const event of batch) {
          if (this.stopped) return;
          // Its own end, met in order: nothing recorded after the deletion goes out, however
          // late the worker that follows the subscriptions stops this consumer. (A pause is
          // no end here: a resumed consumer reads past its own pause again.)
          if (
            event.streamId === ownStream &&
            event.type === 'SubscriptionDeleted'
          )
            return;
          if (isDeliverable(event, target) && !(await this.deliver(event)))
            return;
          this.position = event.globalPosition;
          this.dirty = true;
        }
        // A short page is the head: write now, while there is time, not at the next tick.
        if (batch.length < this.options.pageSize) await this.flush();
      }
    } finally {
      subscription.close();
      clearInterval(this.timer);
      await this.flush();
    }
  }

  /** Tries `event` until it is delivered (true), or the consumer stops or pauses (false). */
  private async deliver(event: RecordedEvent): Promise<boolean> {
    const { target, options } = this;
    const body = webhookPayload(event);
    if (options.yieldTo?.busy) {
      await sleep(options.restMs ?? 20, this.stopping.signal);
      if (this.stopped) return false;
    }
    for (let attempt = 1; ; attempt++) {
      const at = new Date(options.now()).toISOString();
      const outcome = await this.deps.sender.send(
        {
          url: target.url,
          secret: target.secret,
          eventId: event.eventId,
          eventType: event.type,
          body,
        },
        this.stopping.signal,
      );
      // A delivery abandoned because the consumer stops is no attempt of the receiver's.
      if (this.stopped) return false;
      this.note(event, attempt, at, outcome);
      if (outcome.ok) {
        this.delivered++;
        if (this.failingSince !== null) this.failingSince = null;
        return true;
      }
      this.failingSince ??= at;
      this.dirty = true;
      if (
        options.now() - Date.parse(this.failingSince) >=
        options.pauseAfterMs
      ) {
        await this.flush();
        try {
          await this.deps.pause(describe(outcome), this.failingSince, event);
          return false;
        } catch (error) {
          this.deps.logger.warn(
            `subscription ${target.subscriptionId}: pause not recorded (${String(error)}); retrying deliveries`,
          );
        }
      }
      await sleep(
        retryDelayMs(attempt, options.retry, options.random),
        this.stopping.signal,
      );
      if (this.stopped) return false;
    }
  }

  private note(
    event: RecordedEvent,
    attempt: number,
    at: string,
    outcome: WebhookOutcome,
  ): void {
    this.attempts.push({
      subscriptionId: this.target.subscriptionId,
      eventId: event.eventId,
      position: event.globalPosition,
      eventType: event.type,
      attempt,
      statusCode: 'status' in outcome ? outcome.status : null,
      error: 'error' in outcome ? outcome.error : null,
      latencyMs: outcome.latencyMs,
      at,
    });
    // Only the newest are kept anyway: a backlog between two writes holds no more.
    if (this.attempts.length > DELIVERIES_KEPT) this.attempts.shift();
    this.dirty = true;
  }

  /** Writes the cursor and the attempts since the last write; one write at a time. */
  private async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (!this.dirty) return;
    // Another instance may deliver it now: its cursor is that one's to write.
    if (this.deps.owns && !this.deps.owns()) return;
    const attempts = this.attempts;
    this.attempts = [];
    this.dirty = false;
    this.flushing = this.deps.log
      .record(
        this.target.subscriptionId,
        { position: this.position, failingSince: this.failingSince },
        attempts,
      )
      .catch((error: unknown) => {
        this.deps.logger.warn(
          `subscription ${this.target.subscriptionId}: cursor not written (${String(error)})`,
        );
        // The lines not written go with the next write, before the newer ones, still bounded
        // to the newest DELIVERIES_KEPT.
        this.attempts = [...attempts, ...this.attempts].slice(-DELIVERIES_KEPT);
        this.dirty = true;
      })
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }
}

/** A failure as the pause reason and the deliveries list name it. */
export function describe(outcome: WebhookOutcome): string {
  return 'status' in outcome ? `HTTP ${outcome.status}` : outcome.error;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
