import { kafkaBrokers, loadConfig, logLevel, port, postgresUrl, topicPrefix } from '@beacon/config';
import { z } from 'zod';

export const projectorEnvSchema = z.object({
  PORT: port(3300),
  DATABASE_URL: postgresUrl,
  KAFKA_BROKERS: kafkaBrokers,
  KAFKA_TOPIC_PREFIX: topicPrefix,
  CONSUMER_GROUP: z.string().regex(/^[a-zA-Z0-9._-]+$/).default('case-projector'),
  LOG_LEVEL: logLevel,
});

export type ProjectorConfig = Readonly<z.infer<typeof projectorEnvSchema>>;
export const PROJECTOR_CONFIG = Symbol('PROJECTOR_CONFIG');

export function loadProjectorConfig(env: NodeJS.ProcessEnv = process.env): ProjectorConfig {
  return loadConfig('case-projector', projectorEnvSchema, env);
}
