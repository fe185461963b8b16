import { type DynamicModule, Module } from '@nestjs/common';
import { CONSOLE_CONFIG, type ConsoleConfig } from '../console.config';
import { AlertDispatcherClient } from './alert-dispatcher.client';
import { AlertsController } from './alerts.controller';

/** Alerts in the console: the dispatcher owns them, the console lists and acknowledges through it. */
@Module({})
export class AlertsModule {
  static forConfig(config: ConsoleConfig): DynamicModule {
    return {
      module: AlertsModule,
      controllers: [AlertsController],
      providers: [{ provide: CONSOLE_CONFIG, useValue: config }, AlertDispatcherClient],
    };
  }
}
