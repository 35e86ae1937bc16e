import type { LiveState } from './live-state.js';
import type { LiveEvent } from './types.js';

export type { LiveState } from './live-state.js';

export interface LiveOptions {
  /** The stream's URL, resuming after `lastEventId` when given. */
  url(lastEventId: number | undefined): string;
  types: readonly string[];
  onEvent(event: LiveEvent): void;
  onState(state: LiveState): void;
  /** The stream came back after a drop: what was missed may not all be replayed. */
  onReconnected(): void;
}

/** 0.5 s, 1 s, 2 s, 4 s, then every 5 s. */
export const backoff = (attempt: number): number =>
  Math.min(5000, 500 * 2 ** attempt);

/**
 * One EventSource that survives restarts of the service. The browser retries by itself
 * after a network error (sending `Last-Event-ID`), but gives up for good when an attempt is
 * answered with anything but a 200 event stream, as happens while the service restarts;
 * then a new source is opened with `?lastEventId=` after a backoff. Events are delivered
 * once, in position order: anything at or before the last id seen is a replay and dropped.
 */
export class LiveStream {
  private source: EventSource | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private dropped = false;
  private stopped = false;

  constructor(
    private readonly options: LiveOptions,
    private lastId: number | undefined,
  ) {}

  start(): void {
    this.options.onState('connecting');
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.source?.close();
  }

  private open(): void {
    const source = new EventSource(this.options.url(this.lastId));
    this.source = source;
    source.addEventListener('open', () => {
      this.attempt = 0;
      this.options.onState('live');
      if (this.dropped) {
        this.dropped = false;
        this.options.onReconnected();
      }
    });
    source.addEventListener('error', () => {
      if (this.stopped || this.source !== source) return;
      this.dropped = true;
      this.options.onState('reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        this.timer = setTimeout(() => this.open(), backoff(this.attempt++));
      }
    });
    for (const type of this.options.types) {
      source.addEventListener(type, (message: MessageEvent<string>) =>
        this.receive(message),
      );
    }
  }

  private receive(message: MessageEvent<string>): void {
    if (this.stopped) return;
    const id = Number(message.lastEventId);
    if (this.lastId !== undefined && id <= this.lastId) return;
    if (Number.isSafeInteger(id)) this.lastId = id;
    let event: LiveEvent;
    try {
      event = JSON.parse(message.data) as LiveEvent;
    } catch {
      return;
    }
    this.options.onEvent(event);
  }
}
