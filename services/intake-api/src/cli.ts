import 'reflect-metadata';
import { migrateAudit } from '@beacon/audit';
import { runMigrations } from '@beacon/persistence';
import { migrateVault } from '@beacon/vault';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli/cli.module';
import { loadIntakeConfig } from './intake.config';
import { intakeMigrations } from './migrations';

/** `beacon keys …` and `beacon persons …` land here (bin/beacon.mjs), with the service's own environment. */
async function main(): Promise<void> {
  const config = loadIntakeConfig();
  await runMigrations(config.DATABASE_URL, 'intake', intakeMigrations);
  await migrateVault(config.DATABASE_URL);
  // Erasures are recorded in the shared audit log, which may not exist yet if the console never ran.
  await migrateAudit(config.DATABASE_URL);
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
