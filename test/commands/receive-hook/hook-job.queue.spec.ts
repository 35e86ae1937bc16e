import { InMemoryEventStore } from '../../../src/infrastructure/event-store/in-memory-event-store';
import { hookJobQueueContract } from './hook-job.queue.contract';

let store: InMemoryEventStore | undefined;
hookJobQueueContract('the in-memory store', {
  open: () => {
    store = new InMemoryEventStore();
    return Promise.resolve([store, store]);
  },
  close: async () => {
    await store?.close();
  },
});
