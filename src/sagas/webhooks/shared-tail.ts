import { CatchUpSubscription } from '../../infrastructure/event-store/catch-up-subscription';
import type {
  EventStore,
  EventSubscription,
  ReadAllOptions,
  ReadAllPage,
  RecordedEvent,
  SubscribeOptions,
} from '../../infrastructure/event-store/event-store.port';
import { HeadNotifier } from '../../infrastructure/event-store/head-notifier';

/** What a subscription consumer reads the store through. */
export type ConsumerReads = Pick<EventStore, 'readAll' | 'subscribe'>;

export interface SharedTailOptions {
  /** The newest events kept for the consumers at the head. */
  keep: number;
  /** How long to wait before reading again after the shared read failed. */
  retryMs: number;
  logger: { warn(message: string): void };
}

/**
 * One reader of the store's newest events for every subscription consumer of the instance,
 * as the SSE fan-out is for connections: it follows the store from where it started and keeps
 * the newest `keep` events. A consumer at the head reads its next page from them, so N
 * subscriptions at the head cost one store read per commit, not N; a consumer further back
 * (a backlog, a retry that held it) reads the store itself until it reaches them. The pages it
 * answers are those the store would: every event from the position asked for, in order, none
 * skipped (what it keeps is what one catch-up subscription of the store delivered).
 */
export class SharedTail implements ConsumerReads {
  private readonly notifier = new HeadNotifier(0);
  private window: RecordedEvent[] = [];
  /** The window answers for positions from `from` to `next` (exclusive). */
  private from = Number.POSITIVE_INFINITY;
  private next = Number.POSITIVE_INFINITY;
  private subscription: EventSubscription | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  /** Pages answered from the window, and read from the store; for tests. */
  readonly served = { window: 0, store: 0 };

  constructor(
    private readonly store: EventStore,
    private readonly options: SharedTailOptions,
  ) {}

  /**
   * Starts following the store from its head now. It never fails: while the store does not
   * answer, consumers read it themselves, and the tail tries again.
   */
  async start(): Promise<void> {
    try {
      const head = await this.store.headPosition();
      if (!this.closed) this.follow(head + 1);
    } catch (error) {
      this.options.logger.warn(
        `webhook deliveries: the store's head not read (${String(error)}); trying again`,
      );
      this.retry = setTimeout(() => {
        if (!this.closed) void this.start();
      }, this.options.retryMs);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.subscription?.close();
    await this.running;
    this.notifier.close();
  }

  subscribe(options: SubscribeOptions = {}): EventSubscription {
    return new CatchUpSubscription(
      (o) => this.readAll(o),
      this.notifier,
      options,
    );
  }

  readAll(options: ReadAllOptions = {}): Promise<ReadAllPage> {
    const fromPosition = options.fromPosition ?? 1;
    const limit = options.limit ?? 1000;
    if (
      options.filter !== undefined ||
      fromPosition < this.from ||
      fromPosition > this.next
    ) {
      this.served.store++;
      return this.store.readAll(options);
    }
    this.served.window++;
    const start = firstAtOrAfter(this.window, fromPosition);
    const events = this.window.slice(start, start + limit);
    const full = events.length === limit;
    return Promise.resolve({
      events,
      nextPosition: full ? events.at(-1)!.globalPosition + 1 : this.next,
      isEnd: !full,
    });
  }

  private follow(fromPosition: number): void {
    this.window = [];
    this.from = fromPosition;
    this.next = fromPosition;
    const subscription = this.store.subscribe({ fromPosition, batchSize: 500 });
    this.subscription = subscription;
    this.running = (async () => {
      for await (const batch of subscription) {
        this.window.push(...batch);
        const last = batch.at(-1)!.globalPosition;
        this.next = last + 1;
        if (this.window.length > this.options.keep) {
          this.window = this.window.slice(-this.options.keep);
          this.from = this.window[0]!.globalPosition;
        }
        this.notifier.advance(last);
      }
    })().catch((error: unknown) => {
      subscription.close();
      if (this.closed) return;
      // Consumers at the head wait on; they read the store themselves meanwhile.
      this.options.logger.warn(
        `webhook deliveries: the shared read of the store failed (${String(error)}); reading again`,
      );
      const resumeAt = this.next;
      this.from = Number.POSITIVE_INFINITY;
      this.next = Number.POSITIVE_INFINITY;
      this.retry = setTimeout(() => {
        if (!this.closed) this.follow(resumeAt);
      }, this.options.retryMs);
    });
  }
}

/** The index of the first event at or after `position` (the window is in position order). */
function firstAtOrAfter(
  events: readonly RecordedEvent[],
  position: number,
): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (events[mid]!.globalPosition < position) low = mid + 1;
    else high = mid;
  }
  return low;
}
