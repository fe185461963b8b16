import { ObservabilityModule } from '@beacon/observability';
import { type Pool, TableUpkeep } from '@beacon/persistence';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { HealthController } from './health/health.controller';
import { ProjectionConsumer } from './projection/projection.consumer';
import { UrgencyReviewScheduler } from './projection/urgency-review.scheduler';
import { type ProjectorConfig } from './projector.config';
import { PROJECTOR_POOL, ReadModelsModule } from './read-models/read-models.module';

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
      providers: [
        ProjectionConsumer,
        UrgencyReviewScheduler,
        {
          provide: TableUpkeep,
          inject: [PROJECTOR_POOL],
          useFactory: (pool: Pool) =>
            new TableUpkeep(pool, {
              schemas: ['projection'],
              intervalMs: config.TABLE_UPKEEP_INTERVAL_MS,
              log: new Logger(TableUpkeep.name),
            }),
        },
      ],
    };
  }
}
