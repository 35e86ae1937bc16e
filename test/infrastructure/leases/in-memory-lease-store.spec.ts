import { InMemoryLeaseStore } from '../../../src/infrastructure/leases/in-memory-lease-store';
import { leaseStoreContract } from './lease-store.contract';

leaseStoreContract('in memory', () => ({
  create: (clock) => Promise.resolve(new InMemoryLeaseStore(clock)),
  dispose: () => Promise.resolve(),
}));
