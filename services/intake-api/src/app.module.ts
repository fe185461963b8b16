import { type DynamicModule, Module } from '@nestjs/common';
import { HotlineAuthGuard } from './auth/hotline-auth.guard';
import { HotlineKeysRepository } from './auth/hotline-keys.repository';
import { HealthController } from './health/health.controller';
import { INTAKE_CONFIG, type IntakeConfig } from './intake.config';
import { OutboxModule } from './outbox/outbox.module';
import { ReportsController } from './reports/reports.controller';
import { ReportsService } from './reports/reports.service';

@Module({})
export class AppModule {
  static forConfig(config: IntakeConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [OutboxModule],
      controllers: [ReportsController, HealthController],
      providers: [{ provide: INTAKE_CONFIG, useValue: config }, HotlineKeysRepository, HotlineAuthGuard, ReportsService],
      exports: [INTAKE_CONFIG],
    };
  }
}
