import type {
  EventStore,
  EventSubscription,
  RecordedEvent,
} from '../../infrastructure/event-store/event-store.port';
import {
  formatSse,
  formatStreamStart,
  inScope,
  jobOf,
  type SseScope,
} from './sse.filter';
import { type ChunkSink, writeChunk } from './sse-write';

/** What the fan-out needs of a connection: an HTTP response, or any writable stream. */
export interface SseOutput extends ChunkSink {
  end(): unknown;
  destroy(): unknown;
  readonly writableLength: number;
  readonly writableEnded: boolean;
}

export interface SseFanoutOptions {
  /**
   * Bytes a live client may leave unsent before it is dropped (default 1 MiB). The client
   * resumes with `Last-Event-ID` and catches up at its own pace.
   */
  maxBufferedBytes?: number;
  /**
   * One turn of the event loop writes to clients for at most this long (default 2 ms) and
   * to at most `writesPerTurn` of them (default 512); the rest wait for the next turn, so
   * that requests are answered in between.
   */
  sliceMs?: number;
  writesPerTurn?: number;
  /**
   * After a batch, the shared reader rests this many times as long as the batch's writes
   * kept the event loop busy (default 1), so that the fan-out takes at most about half of
   * it however many clients there are: under load, events gather and go out together, one
   * write per client for several commits. With few clients a batch takes microseconds and
   * so does the rest.
   */
  restRatio?: number;
  /** The longest rest between batches, whatever the last one cost (default 20 ms). */
  maxRestMs?: number;
  /** Comment lines that keep idle connections (and proxies) open (default 15 s; 0: none). */
  heartbeatMs?: number;
  /** Reports a stream ended by an error, or a client dropped for being slow. */
  warn?: (message: string) => void;
}

interface Client {
  readonly out: SseOutput;
  readonly scope: SseScope;
  /** The first position this client is to be sent. */
  from: number;
  /** The scope group it is in while live; undefined while it catches up. */
  group: Group | undefined;
  closed: boolean;
}

/** The live clients that share one scope, and so one chunk per batch. */
interface Group {
  readonly key: string;
  readonly scope: SseScope;
  readonly clients: Set<Client>;
  /** The batch's messages for this scope, while a batch is split up. */
  parts: Array<{ position: number; message: Buffer }>;
}

/**
 * One chunk of an event stream, with its HTTP/1.1 chunked framing made at most once however
 * many clients it goes to.
 */
class Chunk {
  private framedData: Buffer | undefined;

  constructor(readonly data: Buffer) {}

  /** `<length in hex>\r\n<data>\r\n`: what Node writes for a `write` of `data` on a chunked response. */
  get framed(): Buffer {
    return (this.framedData ??= Buffer.concat([
      Buffer.from(`${this.data.length.toString(16)}\r\n`),
      this.data,
      CRLF,
    ]));
  }
}

const CRLF = Buffer.from('\r\n');
const PING = new Chunk(Buffer.from(': ping\n\n'));

/** What a Node HTTP response shows of itself and its connection, when it is one. */
interface HttpResponseSide {
  readonly chunkedEncoding?: boolean;
  readonly headersSent?: boolean;
  readonly writableLength: number;
  readonly socket?: {
    write(chunk: Buffer): boolean;
    readonly destroyed: boolean;
    readonly writableLength: number;
  } | null;
}

/**
 * The connection under `out` when a chunk may be written to it already framed: a chunked
 * HTTP/1.1 response whose headers have gone and of which nothing waits in the response
 * itself (all it wrote is with the connection), so that a write to the connection comes
 * after it. Node's `write` on the response does the same framing per call, per client, with
 * three writes corked into one; framed once per batch and written to the connection, a
 * write cost about a quarter less in a probe (500 connections, server and readers in one
 * process: 7.8–8.7 against 6.1–6.3 µs of CPU a write).
 * Anything else (HTTP/1.0, a test's stream) is written through `out`.
 */
function framedConnectionOf(out: SseOutput): HttpResponseSide['socket'] {
  const res = out as unknown as HttpResponseSide;
  if (res.chunkedEncoding !== true || res.headersSent !== true)
    return undefined;
  const socket = res.socket;
  if (!socket || socket.destroyed) return undefined;
  return res.writableLength === socket.writableLength ? socket : undefined;
}
const keyOf = (orgId: string, repoId?: string, jobId?: string): string =>
  JSON.stringify([orgId, repoId ?? null, jobId ?? null]);
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One reader of the store for every SSE client. A single subscription follows the head;
 * each batch it reads is formatted once, cut per scope (org, repo, job) into one chunk per
 * scope, and the same buffer is written to every live client of that scope: the work per
 * client and batch is one write, whatever the number of events or clients. The writes of
 * one batch are spread over turns of the event loop, a few dozen clients each, so that
 * requests keep being answered while a batch goes out to thousands of clients; the next
 * batch goes out only after the last write of this one, so each client's order holds.
 *
 * A client that resumes from before the head (or from before where the shared reader is)
 * first reads the store on its own, at its own pace, up to the shared reader's position,
 * then joins it: nothing is skipped or sent twice at the switch, as every read and the
 * switch happen in the same synchronous step. A live client whose unsent bytes pass
 * `maxBufferedBytes` is dropped (its connection destroyed, its unsent bytes freed) rather
 * than held: it resumes with `Last-Event-ID` from the last message it received whole.
 */
export class SseFanout {
  private readonly clients = new Set<Client>();
  private readonly groups = new Map<string, Group>();
  private live = 0;
  /** The shared subscription, while anyone is live. */
  private subscription: EventSubscription | undefined;
  /** Everything before it has been handed to the live clients. Defined while subscribed. */
  private next = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly maxBufferedBytes: number;
  private readonly sliceMs: number;
  private readonly writesPerTurn: number;
  private readonly heartbeatMs: number;
  private readonly restRatio: number;
  private readonly maxRestMs: number;
  private readonly warn: (message: string) => void;
  /** Clients dropped for leaving too much unsent; for metrics and tests. */
  dropped = 0;

  constructor(
    private readonly store: EventStore,
    options: SseFanoutOptions = {},
  ) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.sliceMs = options.sliceMs ?? 2;
    this.writesPerTurn = options.writesPerTurn ?? 512;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.restRatio = options.restRatio ?? 1;
    this.maxRestMs = options.maxRestMs ?? 20;
    this.warn = options.warn ?? (() => undefined);
  }

  /** Open streams. */
  get size(): number {
    return this.clients.size;
  }

  /** Open streams that follow the shared reader (the others are catching up). */
  get liveCount(): number {
    return this.live;
  }

  /**
   * Starts a stream on `out` of the events of `scope` from position `from` on: the opening
   * block, then history up to the present if `from` lies behind it, then live events. The
   * stream ends when `out` closes or the fan-out does.
   */
  open(out: SseOutput, scope: SseScope, from: number): void {
    if (out.destroyed) return; // the client went before its stream began
    if (this.closed) {
      out.end();
      return;
    }
    const client: Client = {
      out,
      scope,
      from,
      group: undefined,
      closed: false,
    };
    this.clients.add(client);
    out.on('close', () => this.remove(client));
    out.write(formatStreamStart(from));
    this.startHeartbeat();
    if (this.subscription !== undefined && from >= this.next) this.join(client);
    else void this.catchUp(client);
  }

  /** Ends every stream and stops reading the store. */
  close(): void {
    this.closed = true;
    this.stopReading();
    for (const client of [...this.clients]) this.end(client);
    this.stopHeartbeat();
  }

  /**
   * Reads history for one client from `client.from` until it reaches the shared reader (or,
   * with none, the head, where it becomes the shared reader's starting point). Each read is
   * followed, in the same synchronous step, by the decision to join: events at or after the
   * shared position are left to the shared reader.
   */
  private async catchUp(client: Client): Promise<void> {
    let position = client.from;
    try {
      for (;;) {
        const page = await this.store.readAll({ fromPosition: position });
        if (client.closed || this.closed) return;
        const shared = this.subscription !== undefined;
        const until = shared ? this.next : Number.POSITIVE_INFINITY;
        let chunk = '';
        for (const event of page.events)
          if (event.globalPosition < until && inScope(event, client.scope))
            chunk += formatSse(event);
        position = Math.max(position, page.nextPosition);
        const reached = shared ? position >= this.next : page.isEnd;
        if (reached) {
          if (chunk !== '') client.out.write(chunk);
          client.from = shared ? this.next : position;
          if (!shared) this.startReading(client.from);
          this.join(client);
          return;
        }
        if (chunk !== '') await writeChunk(client.out, chunk);
        if (client.closed || this.closed) return;
      }
    } catch (error) {
      this.warn(`event stream ended: ${String(error)}`);
      this.end(client);
    }
  }

  private join(client: Client): void {
    const { orgId, repoId, jobId } = client.scope;
    const key = keyOf(orgId, repoId, jobId);
    let group = this.groups.get(key);
    if (!group) {
      group = { key, scope: client.scope, clients: new Set(), parts: [] };
      this.groups.set(key, group);
    }
    group.clients.add(client);
    client.group = group;
    this.live++;
  }

  private startReading(from: number): void {
    this.next = from;
    const subscription = this.store.subscribe({ fromPosition: from });
    this.subscription = subscription;
    void this.follow(subscription);
  }

  private stopReading(): void {
    this.subscription?.close();
    this.subscription = undefined;
  }

  private async follow(subscription: EventSubscription): Promise<void> {
    try {
      for await (const batch of subscription) {
        if (this.subscription !== subscription) return;
        const busyMs = await this.dispatch(batch);
        if (this.subscription !== subscription) return;
        const restMs = Math.min(busyMs * this.restRatio, this.maxRestMs);
        if (restMs >= 1) await new Promise((r) => setTimeout(r, restMs));
      }
    } catch (error) {
      if (this.subscription !== subscription) return;
      this.warn(`event stream ended: ${String(error)}`);
      this.stopReading();
      // Its clients resume with Last-Event-ID on a reader that works again.
      for (const client of [...this.clients])
        if (client.group) this.end(client);
    }
  }

  /**
   * Hands one batch to the live clients: each event is formatted once, if any live client
   * may see it; each scope gets one chunk; each client one write of its scope's chunk.
   * Resolves with the CPU milliseconds it took (CPU time, not wall time: on a busy machine
   * the wall time of a slice counts the time other processes had the core).
   */
  private async dispatch(batch: readonly RecordedEvent[]): Promise<number> {
    let cpu = process.cpuUsage();
    let busyMicros = 0;
    let started = performance.now();
    const first = batch[0]!.globalPosition;
    this.next = batch[batch.length - 1]!.globalPosition + 1;
    const touched: Group[] = [];
    for (const event of batch) {
      const orgId = event.metadata?.orgId;
      if (!orgId) continue;
      const repoId = event.metadata.repoId;
      const jobId = jobOf(event);
      let message: Buffer | undefined;
      const add = (key: string) => {
        const group = this.groups.get(key);
        if (!group || !inScope(event, group.scope)) return;
        message ??= Buffer.from(formatSse(event));
        if (group.parts.length === 0) touched.push(group);
        group.parts.push({ position: event.globalPosition, message });
      };
      add(keyOf(orgId));
      if (repoId) add(keyOf(orgId, repoId));
      if (jobId) add(keyOf(orgId, undefined, jobId));
      if (repoId && jobId) add(keyOf(orgId, repoId, jobId));
    }
    const writes: Array<{ client: Client; chunk: Chunk }> = [];
    for (const group of touched) {
      const parts = group.parts;
      group.parts = [];
      const chunk = new Chunk(
        parts.length === 1
          ? parts[0]!.message
          : Buffer.concat(parts.map((p) => p.message)),
      );
      for (const client of group.clients) {
        if (client.from <= first) writes.push({ client, chunk });
        else {
          // Joined at a position inside this batch: only what it has not had.
          const own = parts.filter((p) => p.position >= client.from);
          if (own.length > 0)
            writes.push({
              client,
              chunk: new Chunk(Buffer.concat(own.map((p) => p.message))),
            });
        }
      }
    }
    let inTurn = 0;
    for (const { client, chunk } of writes) {
      if (
        inTurn === this.writesPerTurn ||
        (inTurn > 0 &&
          inTurn % 8 === 0 &&
          performance.now() - started >= this.sliceMs)
      ) {
        const slice = process.cpuUsage(cpu);
        busyMicros += slice.user + slice.system;
        await yieldTurn();
        cpu = process.cpuUsage();
        started = performance.now();
        inTurn = 0;
      }
      this.send(client, chunk);
      inTurn++;
    }
    const slice = process.cpuUsage(cpu);
    return (busyMicros + slice.user + slice.system) / 1000;
  }

  /** One write to a live client; a client that leaves too much unsent is dropped. */
  private send(client: Client, chunk: Chunk): void {
    if (client.closed) return;
    const out = client.out;
    if (out.destroyed || out.writableEnded) return this.remove(client);
    const connection = framedConnectionOf(out);
    if (connection) connection.write(chunk.framed);
    else out.write(chunk.data);
    if (out.writableLength > this.maxBufferedBytes) {
      this.dropped++;
      this.warn(
        `dropped a slow event stream: ${out.writableLength} bytes unsent (limit ${this.maxBufferedBytes}); it resumes with Last-Event-ID`,
      );
      this.remove(client);
      out.destroy();
    }
  }

  private startHeartbeat(): void {
    if (this.heartbeat || this.heartbeatMs <= 0) return;
    this.heartbeat = setInterval(() => {
      for (const client of [...this.clients])
        if (client.group) this.send(client, PING);
        else if (client.out.destroyed) this.remove(client);
        else if (!client.out.writableEnded) client.out.write(PING.data);
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private end(client: Client): void {
    this.remove(client);
    if (!client.out.writableEnded) client.out.end();
  }

  /** Forgets a client; the shared reader stops when the last live one goes. */
  private remove(client: Client): void {
    if (client.closed) return;
    client.closed = true;
    this.clients.delete(client);
    const group = client.group;
    if (group) {
      client.group = undefined;
      group.clients.delete(client);
      if (group.clients.size === 0) this.groups.delete(group.key);
      if (--this.live === 0) this.stopReading();
    }
    if (this.clients.size === 0) this.stopHeartbeat();
  }
}
