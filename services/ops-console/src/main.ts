import 'reflect-metadata';
import { createHttpApp, runMain } from '@beacon/http';
import { Logger } from '@nestjs/common';
import { AppModule } from './app.module';
import { loadConsoleConfig } from './console.config';
import { setupOpenApi } from './docs/openapi.setup';
import { migrateConsole } from './migrations';

runMain('ops-console', async () => {
  const config = loadConsoleConfig();
  const logger = new Logger('ops-console');
  const applied = await migrateConsole(config.DATABASE_URL);
  if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
  const app = await createHttpApp(AppModule.forConfig(config), {
    corsOrigins: config.CORS_ORIGINS,
    jsonLogs: true,
  });
  setupOpenApi(app);
  await app.listen({ port: config.PORT, host: '0.0.0.0' });
  logger.log(`listening on port ${config.PORT}`);
  return app;
});
