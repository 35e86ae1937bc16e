import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { openReadModelDataSource } from '../../src/infrastructure/read-model-db/read-model-data-source';
import { READ_MODEL_SCHEMA } from '../../src/read-models/read-model.schema';

/** A read-model database in a SQLite file of its own, migrated; `close` removes it. */
export interface TempReadModels {
  ds: DataSource;
  close(): Promise<void>;
}

export async function openTempReadModels(): Promise<TempReadModels> {
  const dir = mkdtempSync(join(tmpdir(), 'stackyard-writer-'));
  const ds = await openReadModelDataSource(
    join(dir, 'read-models.sqlite'),
    READ_MODEL_SCHEMA,
  );
  return {
    ds,
    async close() {
      if (ds.isInitialized) await ds.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
