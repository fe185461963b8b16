import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { CommandFactory } from 'nest-commander';
import { AlertsCommand, AlertsListCommand, AlertsRebuildCommand } from './cli/alerts.command';
import {
  RoutingCommand,
  RoutingOnCallCommand,
  RoutingReloadCommand,
  RoutingStatusCommand,
  RoutingValidateCommand,
} from './cli/routing.command';

/**
 * `beacon routing …` and `beacon alerts …`: the dispatcher's admin commands, with the
 * dispatcher's own configuration (its environment variables, loaded when a command needs them).
 */
@Module({
  providers: [
    RoutingCommand,
    RoutingValidateCommand,
    RoutingReloadCommand,
    RoutingStatusCommand,
    RoutingOnCallCommand,
    AlertsCommand,
    AlertsListCommand,
    AlertsRebuildCommand,
  ],
})
class CliModule {}

void CommandFactory.run(CliModule, {
  logger: ['error'],
  cliName: 'beacon',
  errorHandler: (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(error.name === 'ConfigError' ? 78 : 64);
  },
  serviceErrorHandler: (error) => {
    process.stderr.write(`${error.name === 'ConfigError' ? '' : 'error: '}${error.message}\n`);
    process.exit(error.name === 'ConfigError' ? 78 : 70);
  },
});
