import 'reflect-metadata';
import { createHttpApp, runMain } from '@beacon/http';
import { Logger } from '@nestjs/common';
import { AppModule } from './app.module';
import { loadConsoleConfig } from './console.config';
import { setupOpenApi } from './docs/openapi.setup';

runMain('ops-console', async () => {
  const config = loadConsoleConfig();
  const app = await createHttpApp(AppModule.forConfig(config));
  setupOpenApi(app, config);
  await app.listen({ port: config.PORT, host: '0.0.0.0' });
  new Logger('ops-console').log(`listening on port ${config.PORT}`);
  return app;
});
