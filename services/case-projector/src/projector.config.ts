import {
  kafkaBrokers,
  loadConfig,
  logLevel,
  port,
  postgresUrl,
  prefixDefaultGroups,
  tableUpkeepInterval,
  topicPrefix,
} from '@beacon/config';
import { metricsToken } from '@beacon/observability';
import { z } from 'zod';

export const projectorEnvSchema = z.object({
  PORT: port(3300),
  DATABASE_URL: postgresUrl,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(100).default(5),
  KAFKA_BROKERS: kafkaBrokers,
  KAFKA_TOPIC_PREFIX: topicPrefix,
  CONSUMER_GROUP: z
    .string()
    .regex(/^[a-zA-Z0-9._-]+$/)
    .default('case-projector'),
  /** How often cases whose urgency depends on the clock are re-assessed; 0 turns it off. */
  URGENCY_REVIEW_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  /** Events a rebuild writes per transaction: larger is faster, up to memory. */
  REBUILD_WINDOW_EVENTS: z.coerce.number().int().min(100).max(200_000).default(20_000),
  /** Consumer threads a rebuild runs (each takes a share of the partitions); 0 replays in the calling thread. */
  REBUILD_WORKERS: z.coerce.number().int().min(0).max(32).default(2),
  /** Cases each rebuild consumer keeps in memory instead of reading back what it wrote. */
  REBUILD_CACHE_CASES: z.coerce.number().int().min(0).max(10_000_000).default(20_000),
  TABLE_UPKEEP_INTERVAL_MS: tableUpkeepInterval,
  LOG_LEVEL: logLevel,
  /** Bearer token Prometheus sends to /metrics; unset, /metrics is open (see docs/operations.md). */
  METRICS_TOKEN: metricsToken,
});

export type ProjectorConfig = Readonly<z.infer<typeof projectorEnvSchema>>;
export const PROJECTOR_CONFIG = Symbol('PROJECTOR_CONFIG');

export function loadProjectorConfig(env: NodeJS.ProcessEnv = process.env): ProjectorConfig {
  return prefixDefaultGroups(loadConfig('case-projector', projectorEnvSchema, env), env, [
    'CONSUMER_GROUP',
  ]);
}
