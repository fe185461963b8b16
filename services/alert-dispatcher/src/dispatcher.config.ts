import { httpUrl, kafkaBrokers, loadConfig, logLevel, port, postgresUrl, smtpUrl, topicPrefix } from '@beacon/config';
import { z } from 'zod';

export const dispatcherEnvSchema = z.object({
  PORT: port(3200),
  DATABASE_URL: postgresUrl,
  KAFKA_BROKERS: kafkaBrokers,
  KAFKA_TOPIC_PREFIX: topicPrefix,
  CONSUMER_GROUP: z.string().regex(/^[a-zA-Z0-9._-]+$/).default('alert-dispatcher'),
  ROUTING_CONFIG_PATH: z.string().min(1).default('deploy/routing/routing.yaml'),
  SMTP_URL: smtpUrl,
  MAIL_FROM: z.string().email().default('alerts@beacon.example'),
  /** Where officers open a case; links in messages point here and require login. */
  PUBLIC_CONSOLE_URL: httpUrl.default('http://localhost:3000'),
  DELIVERY_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(200),
  LOG_LEVEL: logLevel,
});

export type DispatcherConfig = Readonly<z.infer<typeof dispatcherEnvSchema>>;
export const DISPATCHER_CONFIG = Symbol('DISPATCHER_CONFIG');

export function loadDispatcherConfig(env: NodeJS.ProcessEnv = process.env): DispatcherConfig {
  return loadConfig('alert-dispatcher', dispatcherEnvSchema, env);
}
