import { type DynamicModule, Module } from '@nestjs/common';
import { HealthController } from './health/health.controller';
import { ProjectionConsumer } from './projection/projection.consumer';
import { PROJECTOR_CONFIG, type ProjectorConfig } from './projector.config';

@Module({})
export class AppModule {
  static forConfig(config: ProjectorConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController],
      providers: [{ provide: PROJECTOR_CONFIG, useValue: config }, ProjectionConsumer],
    };
  }
}
