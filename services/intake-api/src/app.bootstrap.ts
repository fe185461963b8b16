import { REPORTED_EVENT_NAMES } from '@beacon/events';
import { createHttpApp } from '@beacon/http';
import { runMigrations } from '@beacon/persistence';
import { migrateVault } from '@beacon/vault';
import { type LogLevel, Logger } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { HotlineKeysRepository } from './auth/hotline-keys.repository';
import { openApiDocument } from './docs/openapi.document';
import { type IntakeConfig } from './intake.config';
import { intakeMigrations } from './migrations';
import { registerReportMetrics } from './observability/report-metrics.hook';

export const BATCH_ROUTE = '/v1/reports/batch';

/**
 * The intake app, migrated and wired, not yet listening: what main.ts serves and what the
 * integration tests drive.
 */
export async function createIntakeApp(config: IntakeConfig): Promise<NestFastifyApplication> {
  Logger.overrideLogger(nestLogLevels(config.LOG_LEVEL));
  const logger = new Logger('intake-api');
  const applied = [
    ...(await runMigrations(config.DATABASE_URL, 'intake', intakeMigrations)),
    // Intake creates the person keys; the console only reads them.
    ...(await migrateVault(config.DATABASE_URL)),
  ];
  if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
  const app = await createHttpApp(AppModule.forConfig(config), {
    bodyLimitBytes: Math.max(config.BODY_LIMIT_BYTES, config.BATCH_BODY_LIMIT_BYTES),
    corsOrigins: config.CORS_ORIGINS,
    jsonLogs: true,
  });
  registerReportMetrics(app, { single: '/v1/reports', batch: BATCH_ROUTE });
  // Fastify's limit is per route: a single report gets the small one, only the batch the large one.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      route.bodyLimit =
        route.url === BATCH_ROUTE ? config.BATCH_BODY_LIMIT_BYTES : config.BODY_LIMIT_BYTES;
    });
  // The description of the API holds no data, so /docs needs no key.
  SwaggerModule.setup('docs', app, openApiDocument() as unknown as OpenAPIObject, {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
  });
  await app.init();
  if (config.DEV_API_KEY) {
    await app
      .get(HotlineKeysRepository)
      .registerDevelopmentKey(config.DEV_API_KEY, 'dev-hotline', ['*'], [...REPORTED_EVENT_NAMES]);
    logger.warn(
      'DEV_API_KEY is set: a development hotline key with access to every region is active',
    );
  }
  return app;
}

/** LOG_LEVEL names the least severe level shown, as pino does; Nest wants the list. */
export function nestLogLevels(level: IntakeConfig['LOG_LEVEL']): LogLevel[] | false {
  const order: [IntakeConfig['LOG_LEVEL'], LogLevel[]][] = [
    ['fatal', ['fatal']],
    ['error', ['error']],
    ['warn', ['warn']],
    ['info', ['log']],
    ['debug', ['debug']],
    ['trace', ['verbose']],
  ];
  if (level === 'silent') return false;
  const index = order.findIndex(([name]) => name === level);
  return order.slice(0, index + 1).flatMap(([, levels]) => levels);
}
