import { existsSync } from 'node:fs';
import {
  connectReadModelDataSource,
  type ReadModelSchema,
  type ReadModelTarget,
} from './read-model-data-source';
import { SqlDeliveryLog } from './sql-delivery-log';

interface CursorRow {
  subscriptionId: string;
  position: number | string;
  failingSince: string | null;
}

/**
 * Copies each subscription's delivery checkpoint from a SQLite read-model file to the
 * read-model database at `to` (migrated already), for `migrate-store`: the checkpoints are
 * consumer state that no replay of the store gives back, and without them every subscription
 * would deliver its whole history again from the new store. A checkpoint already there and
 * further on is kept (a cursor only moves forward). Returns how many were copied.
 */
export async function carryDeliveryCursors(
  fromFile: string,
  to: ReadModelTarget,
  schema: ReadModelSchema,
): Promise<number> {
  if (!existsSync(fromFile)) return 0;
  const from = await connectReadModelDataSource(fromFile, schema);
  let rows: CursorRow[];
  try {
    const table = await from.query<unknown[]>(
      `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'subscription_cursors'`,
    );
    if (table.length === 0) return 0;
    rows = await from.query<CursorRow[]>(
      `SELECT "subscriptionId", "position", "failingSince" FROM "subscription_cursors"`,
    );
  } finally {
    await from.destroy();
  }
  if (rows.length === 0) return 0;
  const target = await connectReadModelDataSource(to, schema);
  try {
    const log = new SqlDeliveryLog(target);
    for (const row of rows)
      await log.record(
        row.subscriptionId,
        { position: Number(row.position), failingSince: row.failingSince },
        [],
      );
  } finally {
    await target.destroy();
  }
  return rows.length;
}
