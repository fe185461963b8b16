import { ObservabilityModule } from '@beacon/observability';
import { PersonKeyVault } from '@beacon/vault';
import { type DynamicModule, Module } from '@nestjs/common';
import { type Pool } from 'pg';
import { HotlineAuthGuard } from './auth/hotline-auth.guard';
import { HotlineKeysRepository } from './auth/hotline-keys.repository';
import { RateLimitGuard } from './auth/rate-limit.guard';
import { CaseStatusConsumer } from './cases/case-status.consumer';
import { PersonCasesRepository } from './cases/person-cases.repository';
import { HealthController } from './health/health.controller';
import { IdempotencyPurgeWorker } from './idempotency/idempotency-purge.worker';
import { IdempotencyRepository } from './idempotency/idempotency.repository';
import { INTAKE_CONFIG, type IntakeConfig } from './intake.config';
import { INTAKE_POOL } from './intake.tokens';
import { IntakeMetrics } from './observability/intake-metrics.service';
import { OutboxModule } from './outbox/outbox.module';
import { JsonBodyGuard } from './reports/json-body.guard';
import { ReportEventsService } from './reports/report-events.service';
import { ReportsController } from './reports/reports.controller';
import { ReportsRepository } from './reports/reports.repository';
import { ReportsService } from './reports/reports.service';

@Module({})
export class AppModule {
  static forConfig(config: IntakeConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        ObservabilityModule.forRoot({
          service: 'intake-api',
          logLevel: config.LOG_LEVEL,
          metricsToken: config.METRICS_TOKEN,
        }),
        OutboxModule,
      ],
      controllers: [ReportsController, HealthController],
      providers: [
        { provide: INTAKE_CONFIG, useValue: config },
        HotlineKeysRepository,
        HotlineAuthGuard,
        RateLimitGuard,
        JsonBodyGuard,
        IdempotencyRepository,
        IdempotencyPurgeWorker,
        ReportEventsService,
        ReportsRepository,
        ReportsService,
        PersonCasesRepository,
        CaseStatusConsumer,
        IntakeMetrics,
        {
          provide: PersonKeyVault,
          inject: [INTAKE_POOL],
          useFactory: (pool: Pool) => new PersonKeyVault(pool, config.VAULT_MASTER_KEYS),
        },
      ],
      exports: [INTAKE_CONFIG],
    };
  }
}
