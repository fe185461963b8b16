export { createPool, quoteIdent, runMigrations, withRetriedTransaction, withTransaction, type Pool, type PoolClient } from './lib/database';
export { CheckpointStore, checkpointsTableSql } from './lib/checkpoints';
export { Outbox, OUTBOX_LOCK_SPACE, outboxTableSql, type OutboxRecord } from './lib/outbox';
export { OutboxRelay, type RelayListener } from './lib/outbox-relay';
export { TableUpkeep, type TableUpkeepOptions } from './lib/table-upkeep';
