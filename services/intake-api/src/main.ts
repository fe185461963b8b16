import 'reflect-metadata';
import { createHttpApp, runMain } from '@beacon/http';
import { runMigrations } from '@beacon/persistence';
import { REPORTED_EVENT_NAMES } from '@beacon/events';
import { Logger } from '@nestjs/common';
import { AppModule } from './app.module';
import { HotlineKeysRepository } from './auth/hotline-keys.repository';
import { loadIntakeConfig } from './intake.config';
import { intakeMigrations } from './migrations';
import { ensureCaseTopics } from './outbox/outbox.module';
import { INTAKE_KAFKA } from './intake.tokens';
import { type Kafka } from '@beacon/kafka';

runMain('intake-api', async () => {
  const config = loadIntakeConfig();
  const logger = new Logger('intake-api');
  const applied = await runMigrations(config.DATABASE_URL, 'intake', intakeMigrations);
  if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
  const app = await createHttpApp(AppModule.forConfig(config));
  // Hotlines must be able to report even when Kafka is down: topic creation is retried, not awaited.
  void ensureTopicsWithRetry(app.get<Kafka>(INTAKE_KAFKA), config, logger);
  if (config.DEV_API_KEY) {
    await app.get(HotlineKeysRepository).register(config.DEV_API_KEY, 'dev-hotline', ['*'], [...REPORTED_EVENT_NAMES]);
    logger.warn('DEV_API_KEY is set: a development hotline key with access to every region is active');
  }
  await app.listen({ port: config.PORT, host: '0.0.0.0' });
  logger.log(`listening on port ${config.PORT}`);
  return app;
});

async function ensureTopicsWithRetry(kafka: Kafka, config: Parameters<typeof ensureCaseTopics>[1], logger: Logger) {
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureCaseTopics(kafka, config);
      return;
    } catch (error) {
      if (attempt % 10 === 1) logger.warn(`cannot ensure Kafka topics yet (${(error as Error).message}); retrying`);
      await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * attempt)));
    }
  }
}
