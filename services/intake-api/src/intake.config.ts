import {
  kafkaBrokers,
  key256,
  loadConfig,
  logLevel,
  port,
  postgresUrl,
  topicPrefix,
} from '@beacon/config';
import { z } from 'zod';

export const intakeEnvSchema = z.object({
  PORT: port(3100),
  DATABASE_URL: postgresUrl,
  KAFKA_BROKERS: kafkaBrokers,
  KAFKA_TOPIC_PREFIX: topicPrefix,
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(3),
  /** Keyed hash for matching UNHCR registration numbers without storing them. */
  PERSON_HMAC_KEY: key256,
  /** Encrypts identifying fields inside events. */
  PII_ENCRYPTION_KEY: key256,
  PII_ENCRYPTION_KEY_ID: z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/).default('k1'),
  /** Development only: a key registered at start-up for a hotline that may report anywhere. */
  DEV_API_KEY: z.string().min(32).optional(),
  LOG_LEVEL: logLevel,
});

export type IntakeConfig = Readonly<z.infer<typeof intakeEnvSchema>>;
export const INTAKE_CONFIG = Symbol('INTAKE_CONFIG');

export function loadIntakeConfig(env: NodeJS.ProcessEnv = process.env): IntakeConfig {
  return loadConfig('intake-api', intakeEnvSchema, env);
}
