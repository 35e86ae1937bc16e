/** Which event store this instance writes to: the adapter's name (`sqlite`, `postgres`). */
export interface StoreEngine {
  readonly engine: string;
}

export const STORE_ENGINE = Symbol('StoreEngine');

/**
 * The engine an event-store adapter names in its `engine` field (`SqliteEventStore` says
 * `sqlite`); `unknown` for one that names none.
 */
export function storeEngineOf(store: object): StoreEngine {
  const engine = (store as Partial<StoreEngine>).engine;
  return { engine: typeof engine === 'string' ? engine : 'unknown' };
}
