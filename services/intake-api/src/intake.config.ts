import {
  kafkaBrokers,
  key256,
  loadConfig,
  logLevel,
  port,
  postgresUrl,
  prefixDefaultGroups,
  tableUpkeepInterval,
  topicPrefix,
} from '@beacon/config';
import { metricsToken } from '@beacon/observability';
import { vaultMasterKeys } from '@beacon/vault';
import { z } from 'zod';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const intakeEnvSchema = z.object({
  PORT: port(3100),
  DATABASE_URL: postgresUrl,
  DATABASE_POOL_SIZE: int(2, 200, 20),
  KAFKA_BROKERS: kafkaBrokers,
  KAFKA_TOPIC_PREFIX: topicPrefix,
  KAFKA_TOPIC_PARTITIONS: int(1, 1000, 3),
  /** Keyed hash for matching UNHCR registration numbers without storing them. */
  PERSON_HMAC_KEY: key256,
  /**
   * Master keys that wrap the per-person data keys sealing identifying fields:
   * `kid:base64key[,kid:base64key…]`, the first wraps new keys (see docs/security.md, rotation).
   */
  VAULT_MASTER_KEYS: vaultMasterKeys,
  /** Development only: a key registered at start-up for a hotline that may report anywhere. */
  DEV_API_KEY: z.string().min(32).optional(),
  /** How long a validated hotline key is trusted before it is looked up again (revocation delay). */
  HOTLINE_KEY_CACHE_MS: int(0, 60_000, 5_000),
  /** Per hotline and per instance: reports per second sustained, and the burst on top. */
  RATE_LIMIT_PER_SECOND: int(1, 1_000_000, 20),
  RATE_LIMIT_BURST: int(100, 10_000_000, 200),
  /** Body limits: one report, and a batch of up to 100 reports. */
  BODY_LIMIT_BYTES: int(1024, 16 * 1024 * 1024, 256 * 1024),
  BATCH_BODY_LIMIT_BYTES: int(1024, 64 * 1024 * 1024, 4 * 1024 * 1024),
  /** Idempotency keys are honoured at least this long (hours, 24 at least). */
  IDEMPOTENCY_RETENTION_HOURS: int(24, 24 * 365, 48),
  /** A claim not completed within this many seconds is stale (its request died) and can be taken over. */
  IDEMPOTENCY_CLAIM_SECONDS: int(1, 3_600, 30),
  /** Consumer group that tells intake when cases close, reopen or are erased. */
  CASE_STATUS_CONSUMER_GROUP: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{1,100}$/)
    .default('intake-case-status'),
  /** Browser origins allowed to call the API (comma-separated `https://…`); none by default. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(/^https?:\/\/[^/\s]+$/, 'must be origins such as https://hotline.example.org'),
      ),
    ),
  TABLE_UPKEEP_INTERVAL_MS: tableUpkeepInterval,
  LOG_LEVEL: logLevel,
  /** Bearer token Prometheus sends to /metrics; unset, /metrics is open (see docs/operations.md). */
  METRICS_TOKEN: metricsToken,
});

export type IntakeConfig = Readonly<z.infer<typeof intakeEnvSchema>>;
export const INTAKE_CONFIG = Symbol('INTAKE_CONFIG');

export function loadIntakeConfig(env: NodeJS.ProcessEnv = process.env): IntakeConfig {
  return prefixDefaultGroups(loadConfig('intake-api', intakeEnvSchema, env), env, [
    'CASE_STATUS_CONSUMER_GROUP',
  ]);
}
