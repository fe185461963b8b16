import 'reflect-metadata';
import { runMigrations } from '@beacon/persistence';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli/cli.module';
import { loadIntakeConfig } from './intake.config';
import { intakeMigrations } from './migrations';

/** `beacon keys …` lands here (bin/beacon.mjs), with the service's own environment. */
async function main(): Promise<void> {
  const config = loadIntakeConfig();
  await runMigrations(config.DATABASE_URL, 'intake', intakeMigrations);
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
