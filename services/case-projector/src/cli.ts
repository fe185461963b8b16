import 'reflect-metadata';
import { migrateAudit } from '@beacon/audit';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli/cli.module';
import { CliError } from './cli/cli.output';
import { loadProjectorConfig, type ProjectorConfig } from './projector.config';

/** Help needs no database: nothing connects until a command runs. */
const HELP_ONLY = { DATABASE_URL: 'postgres://localhost/help', KAFKA_BROKERS: 'localhost:9092' };

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const helpOnly = args.length <= 1 || args.includes('--help') || args.includes('-h');
  let config: ProjectorConfig;
  try {
    config = loadProjectorConfig(helpOnly ? { ...HELP_ONLY, ...process.env } : process.env);
  } catch (error) {
    if (error instanceof Error && error.name === 'ConfigError') {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  // Administrative acts are recorded in the shared audit log, which may not exist yet.
  if (!helpOnly) await migrateAudit(config.DATABASE_URL);
  await CommandFactory.run(CliModule.forConfig(config), {
    logger: ['error'],
    cliName: 'beacon',
    serviceErrorHandler: (error) => {
      process.stderr.write(`error: ${error.message}\n`);
      process.exitCode = error instanceof CliError ? error.exitCode : 1;
    },
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
