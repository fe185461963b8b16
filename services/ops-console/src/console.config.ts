import {
  httpUrl,
  kafkaBrokers,
  loadConfig,
  logLevel,
  port,
  postgresUrl,
  topicPrefix,
} from '@beacon/config';
import { identityEnvShape } from '@beacon/identity';
import { metricsToken } from '@beacon/observability';
import { vaultMasterKeys } from '@beacon/vault';
import { z } from 'zod';

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

export const consoleEnvSchema = z.object({
  PORT: port(3000),
  DATABASE_URL: postgresUrl,
  LOG_LEVEL: logLevel,
  /** Bearer token Prometheus sends to /metrics; unset, /metrics is open (see docs/operations.md). */
  METRICS_TOKEN: metricsToken,
  /** The alert dispatcher, its service token as the password: http://console:<token>@alert-dispatcher:3200 */
  ALERT_DISPATCHER_URL: httpUrl.optional(),
  /**
   * Optional: with a broker list the pipeline view adds consumer lag and the dead-letter count,
   * which only Kafka knows. The console works without it.
   */
  KAFKA_BROKERS: kafkaBrokers.optional(),
  KAFKA_TOPIC_PREFIX: topicPrefix,
  /** Unwrap the per-person keys for identity reads (the same value as intake's). */
  VAULT_MASTER_KEYS: vaultMasterKeys,
  /** Staff accounts: token and TOTP keys, session lifetimes, lockout, optional OIDC. */
  ...identityEnvShape,
  /** Browser origins allowed to call the console API (comma-separated); none by default. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform(list)
    .refine((origins) => origins.every((o) => /^https?:\/\/[^/\s]+$/.test(o)), {
      message: 'must be comma-separated origins such as https://console.example.org',
    }),
  /** Identity reads of this many distinct cases by one user within the window raise an alert. */
  AUDIT_BULK_READ_THRESHOLD: z.coerce.number().int().min(1).max(100_000).default(50),
  AUDIT_BULK_READ_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(7 * 24 * 3600)
    .default(600),
});

export type ConsoleConfig = Readonly<z.infer<typeof consoleEnvSchema>>;
export const CONSOLE_CONFIG = Symbol('CONSOLE_CONFIG');

export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  return loadConfig('ops-console', consoleEnvSchema, env);
}
