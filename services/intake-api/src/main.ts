import 'reflect-metadata';
import { runMain } from '@beacon/http';
import { type Kafka } from '@beacon/kafka';
import { Logger } from '@nestjs/common';
import { createIntakeApp } from './app.bootstrap';
import { type IntakeConfig, loadIntakeConfig } from './intake.config';
import { INTAKE_KAFKA } from './intake.tokens';
import { ensureCaseTopics } from './outbox/outbox.module';

runMain('intake-api', async () => {
  const config = loadIntakeConfig();
  const logger = new Logger('intake-api');
  const app = await createIntakeApp(config);
  // Hotlines must be able to report even when Kafka is down: topic creation is retried, not awaited.
  void ensureTopicsWithRetry(app.get<Kafka>(INTAKE_KAFKA), config, logger);
  await app.listen({ port: config.PORT, host: '0.0.0.0' });
  logger.log(`listening on port ${config.PORT}`);
  return app;
});

async function ensureTopicsWithRetry(
  kafka: Kafka,
  config: IntakeConfig,
  logger: Logger,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureCaseTopics(kafka, config);
      return;
    } catch (error) {
      if (attempt % 10 === 1) {
        logger.warn(
          `cannot ensure Kafka topics yet (${error instanceof Error ? error.message : 'unknown error'}); retrying`,
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * attempt)));
    }
  }
}
