import {
  type EntityManager,
  type EntityTarget,
  type FindOptionsWhere,
  In,
} from 'typeorm';
import {
  upsertRows,
  type UpsertSpec,
} from '../infrastructure/read-model-db/upsert-rows';
import { sqliteRowTable } from '../infrastructure/read-model-db/sqlite-row-table';
import type { ProjectionWriter } from './projection';

/** Keys per `IN (...)` lookup. */
const CHUNK = 500;

/**
 * The writer of a read model kept as one table row per key: loads rows through the entity,
 * upserts changed rows with one statement per chunk and deletes the rows mapped to null.
 */
export function tableWriter<Row extends object>(
  entity: EntityTarget<Row>,
  key: keyof Row & string,
  upsert: UpsertSpec<Row>,
): ProjectionWriter<Row, EntityManager> {
  if (upsert.columns[0] !== key || upsert.keyColumns !== 1)
    throw new Error(`${upsert.table}: the key must be the one first column`);
  return {
    async load(tx, keys) {
      const rows = new Map<string, Row>();
      for (let i = 0; i < keys.length; i += CHUNK) {
        const found = await tx.find(entity, {
          where: {
            [key]: In(keys.slice(i, i + CHUNK)),
          } as FindOptionsWhere<Row>,
        });
        for (const row of found) rows.set(String(row[key]), row);
      }
      return rows;
    },

    async save(tx, changes) {
      const upserts: Row[] = [];
      const deletes: string[] = [];
      for (const [k, row] of changes) {
        if (row) upserts.push(row);
        else deletes.push(k);
      }
      await upsertRows(tx, upsert, upserts);
      for (let i = 0; i < deletes.length; i += CHUNK) {
        await tx.delete(entity, {
          [key]: In(deletes.slice(i, i + CHUNK)),
        });
      }
    },

    sqlite: (dataSource) => sqliteRowTable(dataSource, entity, upsert),
  };
}
