import { InMemoryEventStore } from '../../../src/infrastructure/event-store/in-memory-event-store';
import { eventStoreContract } from './event-store.contract';

eventStoreContract('in-memory', () => ({
  create: () => Promise.resolve(new InMemoryEventStore()),
  dispose: () => Promise.resolve(),
}));
