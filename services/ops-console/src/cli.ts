import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli/cli.module';
import { loadConsoleConfig } from './console.config';
import { migrateConsole } from './migrations';

/** `beacon users …` lands here (bin/beacon.mjs), with the console's own environment. */
async function main(): Promise<void> {
  const config = loadConsoleConfig();
  await migrateConsole(config.DATABASE_URL);
  await CommandFactory.run(CliModule.forConfig(config), {
    logger: ['error'],
    cliName: 'beacon',
    serviceErrorHandler: (error) => {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
    },
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof Error && error.name === 'ConfigError' ? 78 : 1);
});
