import { PostgresEventStore } from '../../../src/infrastructure/event-store/postgres-event-store';
import {
  createTestSchema,
  type TestSchema,
  testDatabaseUrl,
} from '../../support/pg-schema';
import { hookJobQueueContract } from './hook-job.queue.contract';

let schema: TestSchema | undefined;
let opened: PostgresEventStore[] = [];
// Two stores on one schema: two instances of the service, each with its own connections.
hookJobQueueContract('PostgreSQL, two instances', {
  open: async () => {
    schema = await createTestSchema();
    const open = () =>
      PostgresEventStore.open(testDatabaseUrl(), { schema: schema!.name });
    opened = [await open(), await open()];
    return [opened[0]!, opened[1]!];
  },
  close: async () => {
    await Promise.all(opened.map((s) => s.close()));
    opened = [];
    await schema?.drop();
  },
});
