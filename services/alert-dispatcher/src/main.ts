import 'reflect-metadata';
import { createHttpApp, runMain } from '@beacon/http';
import { migrateAudit } from '@beacon/audit';
import { runMigrations } from '@beacon/persistence';
import { Logger } from '@nestjs/common';
import { AppModule } from './app.module';
import { loadDispatcherConfig } from './dispatcher.config';
import { alertingMigrations } from './migrations';
import { readRoutingFile } from './routing/routing.service';

runMain('alert-dispatcher', async () => {
  const config = loadDispatcherConfig();
  // A bad routing file stops the start with the offending paths, before anything connects.
  readRoutingFile(config.ROUTING_CONFIG_PATH);
  const logger = new Logger('alert-dispatcher');
  const applied = await runMigrations(config.DATABASE_URL, 'alerting', alertingMigrations);
  if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
  // The dispatcher follows the audit log's alerts; whoever starts first creates the log.
  await migrateAudit(config.DATABASE_URL);
  const app = await createHttpApp(AppModule.forConfig(config), { jsonLogs: true });
  await app.listen({ port: config.PORT, host: '0.0.0.0' });
  logger.log(`listening on port ${config.PORT}`);
  return app;
});
