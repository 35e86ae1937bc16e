import type {
  EventSubscription,
  ReadAllOptions,
  ReadAllPage,
  RecordedEvent,
  SubscribeOptions,
} from './event-store.port';
import type { HeadNotifier } from './head-notifier';

const DEFAULT_BATCH = 1000;

/**
 * Catch-up and live are one loop: read a page from the last position; when a read reaches
 * the head, wait for the notifier to report a later commit, then read again. So a follower
 * at the head reads the store once per commit that moves the head, not twice. Because the
 * next read always starts where the previous one ended, the switch from history to live
 * can neither skip nor repeat an event.
 */
export class CatchUpSubscription implements EventSubscription {
  private readonly closing = new AbortController();

  constructor(
    private readonly readAll: (options: ReadAllOptions) => Promise<ReadAllPage>,
    private readonly notifier: HeadNotifier,
    private readonly options: SubscribeOptions = {},
  ) {}

  close(): void {
    this.closing.abort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent[]> {
    let next = this.options.fromPosition ?? 1;
    const limit = this.options.batchSize ?? DEFAULT_BATCH;
    while (!this.closing.signal.aborted && !this.notifier.isClosed) {
      const page = await this.readAll({
        fromPosition: next,
        limit,
        filter: this.options.filter,
      });
      next = page.nextPosition;
      if (page.events.length > 0) yield page.events;
      // A page that reached the head needs no second read to learn that nothing follows:
      // the notifier's head moved at every commit since, so the wait ends at once if one came.
      if (page.isEnd && !this.closing.signal.aborted) {
        await this.notifier.waitFor(next, this.closing.signal);
      }
    }
  }
}
