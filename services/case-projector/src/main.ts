import 'reflect-metadata';
import { createHttpApp, runMain } from '@beacon/http';
import { runMigrations } from '@beacon/persistence';
import { Logger } from '@nestjs/common';
import { AppModule } from './app.module';
import { projectionMigrations } from './migrations';
import { loadProjectorConfig } from './projector.config';

runMain('case-projector', async () => {
  const config = loadProjectorConfig();
  const logger = new Logger('case-projector');
  const applied = await runMigrations(config.DATABASE_URL, 'projection', projectionMigrations);
  if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
  const app = await createHttpApp(AppModule.forConfig(config), { jsonLogs: true });
  await app.listen({ port: config.PORT, host: '0.0.0.0' });
  logger.log(`listening on port ${config.PORT}`);
  return app;
});
