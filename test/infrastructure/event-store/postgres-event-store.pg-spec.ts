import { PostgresEventStore } from '../../../src/infrastructure/event-store/postgres-event-store';
import {
  createTestSchema,
  testDatabaseUrl,
  type TestSchema,
} from '../../support/pg-schema';
import { eventStoreContract } from './event-store.contract';

eventStoreContract('PostgreSQL', () => {
  let schema: TestSchema | undefined;
  const open = () =>
    PostgresEventStore.open(testDatabaseUrl(), { schema: schema!.name });
  return {
    create: async () => {
      schema = await createTestSchema();
      return open();
    },
    reopen: async (store) => {
      await store.close();
      return open();
    },
    dispose: async () => {
      await schema?.drop();
    },
  };
});
