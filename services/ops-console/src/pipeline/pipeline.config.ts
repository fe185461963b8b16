import { kafkaBrokers, loadConfig, topicPrefix } from '@beacon/config';
import { z } from 'zod';

/**
 * Optional: with a broker list the pipeline view adds consumer lag and the dead-letter count,
 * which only Kafka knows. The console works without it.
 */
export const pipelineEnvSchema = z.object({
  KAFKA_BROKERS: kafkaBrokers.optional(),
  KAFKA_TOPIC_PREFIX: topicPrefix,
});

export type PipelineConfig = Readonly<z.infer<typeof pipelineEnvSchema>>;
export const PIPELINE_CONFIG = Symbol('PIPELINE_CONFIG');

export function loadPipelineConfig(env: NodeJS.ProcessEnv = process.env): PipelineConfig {
  return loadConfig('ops-console', pipelineEnvSchema, env);
}
