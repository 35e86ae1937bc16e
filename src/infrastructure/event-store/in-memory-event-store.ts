import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../clock/clock';
import {
  checkExpectedVersion,
  matchesFilter,
  appendResultOf,
  assertDistinctEventIds,
  resolveRetriedAppend,
  streamIdError,
} from './append-rules';
import { CatchUpSubscription } from './catch-up-subscription';
import { EventStoreClosedError } from './event-store.errors';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventSubscription,
  EventToAppend,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  RecordedEvent,
  StoreWriteHealth,
  SubscribeOptions,
  WriteHealth,
} from './event-store.port';
import { HeadNotifier } from './head-notifier';
import { settle } from './settle';

/** The event store in memory, for unit tests. Same semantics as the durable adapters. */
export class InMemoryEventStore implements EventStore, StoreWriteHealth {
  private readonly all: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly byId = new Map<string, RecordedEvent>();
  private readonly notifier = new HeadNotifier();
  private closed = false;

  constructor(private readonly clock: Clock = systemClock) {}

  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    return settle(() => this.append(streamId, events, options));
  }

  private append(
    streamId: string,
    events: readonly EventToAppend[],
    { expectedVersion }: AppendOptions,
  ): AppendResult {
    if (this.closed) throw new EventStoreClosedError();
    const invalid = streamIdError(streamId);
    if (invalid) throw invalid;
    assertDistinctEventIds(streamId, events);
    const retried = resolveRetriedAppend(
      streamId,
      events.map((e) => (e.eventId ? this.byId.get(e.eventId) : undefined)),
    );
    if (retried) return retried;
    const stream = this.streams.get(streamId) ?? [];
    const current = stream.length - 1;
    checkExpectedVersion(streamId, expectedVersion, current);
    if (events.length === 0) {
      return { nextExpectedVersion: current, globalPositions: [], events: [] };
    }
    const recordedAt = this.clock.now().toISOString();
    const recorded = events.map((e, i): RecordedEvent => ({
      eventId: e.eventId ?? randomUUID(),
      streamId,
      streamVersion: current + 1 + i,
      globalPosition: this.all.length + 1 + i,
      type: e.type,
      data: structuredClone(e.data),
      metadata: structuredClone(e.metadata ?? {}),
      recordedAt,
    }));
    for (const r of recorded) {
      this.all.push(r);
      stream.push(r);
      this.byId.set(r.eventId, r);
    }
    this.streams.set(streamId, stream);
    this.notifier.advance(this.all.length);
    return appendResultOf(recorded.map((r) => structuredClone(r)));
  }

  readStream(
    streamId: string,
    { fromVersion = 0, maxCount }: ReadStreamOptions = {},
  ): Promise<RecordedEvent[]> {
    const stream = this.streams.get(streamId) ?? [];
    const end = maxCount === undefined ? undefined : fromVersion + maxCount;
    return Promise.resolve(stream.slice(fromVersion, end).map(copy));
  }

  readAll({
    fromPosition = 1,
    limit = 1000,
    filter,
  }: ReadAllOptions = {}): Promise<ReadAllPage> {
    const events: RecordedEvent[] = [];
    let index = Math.max(fromPosition, 1) - 1;
    for (; index < this.all.length && events.length < limit; index++) {
      const e = this.all[index]!;
      if (matchesFilter(e, filter)) events.push(copy(e));
    }
    return Promise.resolve({
      events,
      nextPosition: index + 1,
      isEnd: index >= this.all.length,
    });
  }

  headPosition(): Promise<number> {
    return Promise.resolve(this.all.length);
  }

  subscribe(options: SubscribeOptions = {}): EventSubscription {
    return new CatchUpSubscription(
      (o) => this.readAll(o),
      this.notifier,
      options,
    );
  }

  /** Memory always takes writes while the store is open. */
  checkWritable(): Promise<WriteHealth> {
    if (this.closed) return Promise.reject(new EventStoreClosedError());
    return Promise.resolve({ writable: true });
  }

  close(): Promise<void> {
    this.closed = true;
    this.notifier.close();
    return Promise.resolve();
  }
}

function copy(e: RecordedEvent): RecordedEvent {
  return structuredClone(e);
}
