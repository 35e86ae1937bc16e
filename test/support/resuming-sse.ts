/** A fixed-seed random source (mulberry32): a failing run is repeated with its printed seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One message of `GET /events` as a client received it. */
export interface ReceivedEvent {
  id: number;
  event: string;
  data: {
    position: number;
    type: string;
    repoId: string | null;
    jobId: string | null;
  };
  /** Which connection of the client brought it (1 for the first). */
  connection: number;
}

export interface ResumingSseOptions {
  /** For failure messages. */
  name: string;
  /** The service's base URL; asked again at each connection. */
  baseUrl: () => string;
  headers?: Record<string, string>;
  /** The query of every request: `repoId`, `jobId`, and as a browser may send them, `access_token` and `lastEventId`. */
  query?: Record<string, string>;
  /** The position the stream starts after; without it, the present. */
  after?: number;
  /**
   * Resume as a browser's `EventSource` does: `Last-Event-ID` is the last `id:` field the
   * stream sent (in a message or not), and is not sent until there is one; the URL, with
   * any `lastEventId` in it, stays the same. Otherwise the client resumes after the last
   * message it received, or where the service said the stream started.
   */
  likeEventSource?: boolean;
  /** How many messages to read on the next connection before dropping it. */
  nextCut: () => number;
  /** Awaited after the client dropped a connection, before it connects again. */
  afterDrop?: () => Promise<void>;
  /**
   * Awaited when a connection cannot be made or breaks off without the client dropping it
   * (the service is down), before the client connects again. Without it, that ends the
   * client with the error.
   */
  whenDown?: (error: unknown) => Promise<void>;
}

/** A message the client cannot read: a failure of the stream, never a reason to reconnect. */
class MalformedMessageError extends Error {
  override name = 'MalformedMessageError';
}

/**
 * An SSE client that drops its connection after a few messages (as many as `nextCut` says,
 * anew for each connection) and connects again with `Last-Event-ID`, as a browser does
 * after a network blip: what it receives over all its connections is what it would have
 * read on one. It runs until `finishAt` is given a position it has reached, or `stop`.
 */
export class ResumingSseClient {
  readonly received: ReceivedEvent[] = [];
  /** Connections opened with a 200, and how many of them the client dropped on purpose. */
  connections = 0;
  drops = 0;
  /** Connections the service broke off or refused (it was down). */
  breaks = 0;
  /** The `Last-Event-ID` each connection sent (undefined: none). */
  readonly resumedAfter: Array<string | undefined> = [];
  /** The position the stream started after: `after`, or the one the service named. */
  startedAfter: number | undefined;
  /** Settles when the client ends: fulfilled at its target or on `stop`, rejected on an error. */
  readonly done: Promise<void>;
  /** What an `EventSource` would send as `Last-Event-ID`: the last `id:` field, if any. */
  private eventSourceId = '';
  private target: number | undefined;
  /** Callers of `waitFor`, woken as messages arrive. */
  private readonly counting: Array<{ count: number; reached: () => void }> = [];
  private stopped = false;
  private current: AbortController | undefined;

  constructor(private readonly options: ResumingSseOptions) {
    this.startedAfter = options.after;
    this.done = this.run();
    // A client's error is reported where its `done` is awaited; until then it must not
    // count as unhandled.
    this.done.catch(() => undefined);
  }

  /** The last position the client has: its last message's, else where the stream started. */
  get lastId(): number | undefined {
    return this.received.at(-1)?.id ?? this.startedAfter;
  }

  /**
   * Resolves once the client has received the message at `position` (or a later one), and
   * ends it there: true then, false if `deadlineMs` passed first (it ends it anyway). The
   * deadline only turns a message that never comes into a report of what is missing.
   */
  async finishAt(position: number, deadlineMs = 20_000): Promise<boolean> {
    this.target = position;
    if (this.finished()) this.current?.abort();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
    });
    try {
      await Promise.race([this.done, deadline]);
    } finally {
      clearTimeout(timer);
    }
    await this.stop();
    return (this.lastId ?? -1) >= position;
  }

  /** Resolves once the client has received `count` messages in all; rejects if it fails first. */
  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    const reached = new Promise<void>((resolve) =>
      this.counting.push({ count, reached: resolve }),
    );
    return Promise.race([reached, this.done]);
  }

  /** Ends the client wherever it is. */
  stop(): Promise<void> {
    this.stopped = true;
    this.current?.abort();
    return this.done.catch(() => undefined);
  }

  private finished(): boolean {
    if (this.stopped) return true;
    const last = this.lastId;
    return (
      this.target !== undefined && last !== undefined && last >= this.target
    );
  }

  private url(): string {
    const query = new URLSearchParams(this.options.query ?? {}).toString();
    return `${this.options.baseUrl()}/events${query === '' ? '' : `?${query}`}`;
  }

  private lastEventIdHeader(): string | undefined {
    if (this.options.likeEventSource)
      return this.eventSourceId === '' ? undefined : this.eventSourceId;
    const last = this.lastId;
    return last === undefined ? undefined : String(last);
  }

  private async run(): Promise<void> {
    while (!this.finished()) {
      const abort = new AbortController();
      this.current = abort;
      const resumeAfter = this.lastEventIdHeader();
      let response: Response;
      try {
        response = await fetch(this.url(), {
          headers: {
            ...this.options.headers,
            ...(resumeAfter !== undefined
              ? { 'last-event-id': resumeAfter }
              : {}),
          },
          signal: abort.signal,
        });
      } catch (error) {
        if (this.finished()) return;
        await this.down(error);
        continue;
      }
      if (response.status !== 200) {
        throw new Error(
          `${this.options.name}: GET /events answered ${response.status}: ${await response.text()}`,
        );
      }
      this.connections++;
      this.resumedAfter.push(resumeAfter);
      const broke = await this.read(response, abort, this.options.nextCut());
      if (this.finished()) return;
      if (broke !== undefined) await this.down(broke);
      else await this.options.afterDrop?.();
    }
  }

  /**
   * Reads one connection until it has `cut` messages (or the client's target), then drops
   * it. Returns why the connection ended when the client did not end it itself.
   */
  private async read(
    response: Response,
    abort: AbortController,
    cut: number,
  ): Promise<unknown> {
    const connection = this.connections;
    const decoder = new TextDecoder();
    let buffer = '';
    let count = 0;
    // The service writes its first block with the headers, so a cut of 0 drops a
    // connection that is open, just before its first message.
    const enough = () => {
      if (count < cut && !this.finished()) return false;
      if (!this.finished()) this.drops++;
      abort.abort();
      return true;
    };
    try {
      for await (const chunk of response.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = this.parse(block, connection);
          if (event !== undefined) {
            this.received.push(event);
            count++;
            this.wakeCounting();
          }
          if (enough()) return undefined;
        }
      }
      return new Error(`${this.options.name}: the stream ended`);
    } catch (error) {
      if (error instanceof MalformedMessageError) throw error;
      return abort.signal.aborted ? undefined : error;
    }
  }

  /**
   * One block of the stream: a message when it has data, else nothing, though its `id:`
   * still counts for `EventSource`, and its `: from` comment tells where the stream starts.
   */
  private parse(block: string, connection: number): ReceivedEvent | undefined {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      const from = /^: from (\d+)$/.exec(line);
      if (from && this.startedAfter === undefined)
        this.startedAfter = Number(from[1]) - 1;
      const colon = line.indexOf(': ');
      if (line.startsWith(':') || colon < 0) continue;
      fields.set(line.slice(0, colon), line.slice(colon + 2));
    }
    const id = fields.get('id');
    if (id !== undefined) this.eventSourceId = id;
    const data = fields.get('data');
    if (data === undefined) return undefined;
    const payload = JSON.parse(data) as ReceivedEvent['data'];
    const event = fields.get('event');
    if (
      id === undefined ||
      payload.position !== Number(id) ||
      payload.type !== event
    )
      throw new MalformedMessageError(
        `${this.options.name}: a message whose id, event and data disagree: ${block}`,
      );
    return { id: Number(id), event, data: payload, connection };
  }

  private wakeCounting(): void {
    for (let i = this.counting.length - 1; i >= 0; i--) {
      const waiter = this.counting[i]!;
      if (this.received.length < waiter.count) continue;
      this.counting.splice(i, 1);
      waiter.reached();
    }
  }

  private async down(error: unknown): Promise<void> {
    this.breaks++;
    if (!this.options.whenDown) throw error;
    await this.options.whenDown(error);
  }
}

export interface ScopedClientOptions {
  name: string;
  baseUrl: () => string;
  /** The bearer token of the client's org. */
  token: string;
  scope: { repoId?: string; jobId?: string };
  /** Messages per connection on average: each cut is drawn from 0 to twice this. */
  every: number;
  /** Seeds the client's cuts. */
  seed: number;
  /** The position the stream starts after, or the present. */
  after: number | 'present';
  /**
   * Token and any first position in the URL (`access_token`, `lastEventId`), and resumed
   * as `EventSource` resumes: like a browser, as the dashboard opens it.
   */
  likeEventSource?: boolean;
  /** Drop the first connection before its first message: a blip right after opening. */
  dropFirstAtOnce?: boolean;
  whenDown?: ResumingSseOptions['whenDown'];
}

/** A resuming client of one org and filter, with its token in a header or, like a browser, in the URL. */
export function scopedClient(options: ScopedClientOptions): ResumingSseClient {
  const { after, likeEventSource = false, scope } = options;
  const cuts = seededRandom(options.seed);
  let first = options.dropFirstAtOnce ?? false;
  return new ResumingSseClient({
    name: options.name,
    baseUrl: options.baseUrl,
    headers: likeEventSource
      ? {}
      : { authorization: `Bearer ${options.token}` },
    query: {
      ...(scope.repoId !== undefined ? { repoId: scope.repoId } : {}),
      ...(scope.jobId !== undefined ? { jobId: scope.jobId } : {}),
      ...(likeEventSource ? { access_token: options.token } : {}),
      ...(likeEventSource && after !== 'present'
        ? { lastEventId: String(after) }
        : {}),
    },
    ...(after !== 'present' ? { after } : {}),
    likeEventSource,
    nextCut: () => {
      const cut = first ? 0 : Math.floor(cuts() * (2 * options.every + 1));
      first = false;
      return cut;
    },
    ...(options.whenDown ? { whenDown: options.whenDown } : {}),
  });
}
