import { parseRoutingConfig, type RoutingConfig } from '@beacon/alerting-domain';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../dispatcher.config';

export class RoutingConfigError extends Error {
  constructor(file: string, errors: { path: string; message: string }[]) {
    super(`routing configuration ${file} is invalid:\n${errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadRoutingFile(file: string): RoutingConfig {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new RoutingConfigError(file, [{ path: '(file)', message: (error as Error).message }]);
  }
  const result = parseRoutingConfig(raw);
  if (!result.ok) throw new RoutingConfigError(file, result.errors);
  return result.config;
}

/** Routing is read at start-up (a bad file stops the start) and again on SIGHUP. */
@Injectable()
export class RoutingService implements OnModuleDestroy {
  private readonly logger = new Logger(RoutingService.name);
  private readonly file: string;
  private current: RoutingConfig;
  private readonly onHangup = () => this.reload();

  constructor(@Inject(DISPATCHER_CONFIG) config: DispatcherConfig) {
    this.file = path.resolve(config.ROUTING_CONFIG_PATH);
    this.current = loadRoutingFile(this.file);
    process.on('SIGHUP', this.onHangup);
  }

  get config(): RoutingConfig {
    return this.current;
  }

  /** A bad new file keeps the previous configuration in force. */
  reload(): boolean {
    try {
      this.current = loadRoutingFile(this.file);
      this.logger.log('routing configuration reloaded');
      return true;
    } catch (error) {
      this.logger.error(`routing reload rejected, previous configuration stays in force: ${(error as Error).message}`);
      return false;
    }
  }

  onModuleDestroy(): void {
    process.off('SIGHUP', this.onHangup);
  }
}
