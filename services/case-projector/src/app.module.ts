import { ObservabilityModule } from '@beacon/observability';
import { type DynamicModule, Module } from '@nestjs/common';
import { HealthController } from './health/health.controller';
import { ProjectionConsumer } from './projection/projection.consumer';
import { UrgencyReviewScheduler } from './projection/urgency-review.scheduler';
import { type ProjectorConfig } from './projector.config';
import { ReadModelsModule } from './read-models/read-models.module';

@Module({})
export class AppModule {
  static forConfig(config: ProjectorConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          service: 'case-projector',
          logLevel: config.LOG_LEVEL,
          metricsToken: config.METRICS_TOKEN,
        }),
        ReadModelsModule.forConfig(config),
      ],
      controllers: [HealthController],
      providers: [ProjectionConsumer, UrgencyReviewScheduler],
    };
  }
}
