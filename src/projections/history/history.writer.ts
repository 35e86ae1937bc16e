import type { EntityManager } from 'typeorm';
import {
  jsonOrNull,
  upsertRows,
  type UpsertSpec,
} from '../../infrastructure/read-model-db/upsert-rows';
import { sqliteRowTable } from '../../infrastructure/read-model-db/sqlite-row-table';
import type { ProjectionWriter } from '../projection';
import type { HistoryRow } from '../../read-models/history/history.row';

/** The history table's columns as the writer upserts them. */
export const HISTORY_UPSERT: UpsertSpec<HistoryRow> = {
  table: 'history',
  keyColumns: 1,
  columns: [
    'position',
    'orgId',
    'repoId',
    'jobId',
    'type',
    'actor',
    'at',
    'data',
  ],
  encode: { data: jsonOrNull },
};

/** History rows are only ever added: nothing to load, and positions are unique. */
export const historyWriter: ProjectionWriter<HistoryRow, EntityManager> = {
  load: () => Promise.resolve(new Map()),
  async save(tx, changes) {
    const rows: HistoryRow[] = [];
    for (const row of changes.values()) if (row) rows.push(row);
    await upsertRows(tx, HISTORY_UPSERT, rows);
  },
  sqlite: (dataSource) => sqliteRowTable(dataSource, undefined, HISTORY_UPSERT),
};
