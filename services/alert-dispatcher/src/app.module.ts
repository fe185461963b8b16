import { type DynamicModule, Module } from '@nestjs/common';
import { DISPATCHER_CONFIG, type DispatcherConfig } from './dispatcher.config';
import { DispatcherService } from './dispatcher.service';
import { HealthController } from './health/health.controller';
import { RoutingService } from './routing/routing.service';

@Module({})
export class AppModule {
  static forConfig(config: DispatcherConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController],
      providers: [{ provide: DISPATCHER_CONFIG, useValue: config }, RoutingService, DispatcherService],
    };
  }
}
