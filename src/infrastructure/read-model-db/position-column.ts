import type { ValueTransformer } from 'typeorm';

/**
 * Global positions of the event store are `integer` (64-bit) on SQLite and `bigint` on
 * PostgreSQL, whose driver hands int8 over as text to keep every digit. Positions are
 * numbers everywhere else and stay far below 2^53, so they are read back as numbers: a row
 * reads the same on both engines.
 */
export const POSITION_TRANSFORMER: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) =>
    value === null || value === undefined ? value : Number(value),
};
