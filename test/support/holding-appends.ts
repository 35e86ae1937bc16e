import type { EventStore } from '../../src/infrastructure/event-store/event-store.port';

/**
 * The store as one participant of a race sees it: its appends to `streamId` wait for
 * `release` before they reach the store, and `tried` resolves with the event types of the
 * first one once the participant has made it. Holding every participant until all have
 * tried proves that they really raced.
 */
export function holdingAppendsTo(
  store: EventStore,
  streamId: string,
  release: Promise<void>,
): { store: EventStore; tried: Promise<string[]> } {
  let tried!: (types: string[]) => void;
  const held: EventStore = {
    async appendToStream(stream, events, options) {
      if (stream === streamId) {
        tried(events.map((e) => e.type));
        await release;
      }
      return store.appendToStream(stream, events, options);
    },
    readStream: (stream, options) => store.readStream(stream, options),
    readAll: (options) => store.readAll(options),
    headPosition: () => store.headPosition(),
    subscribe: (options) => store.subscribe(options),
    close: () => store.close(),
  };
  return { store: held, tried: new Promise((resolve) => (tried = resolve)) };
}
