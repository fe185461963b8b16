import { createPool } from '@beacon/persistence';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { type Pool } from 'pg';
import { AlertsModule } from './alerts/alerts.module';
import { ConsoleAuthGuard } from './auth/console-auth.guard';
import { CasesController } from './cases/cases.controller';
import { CasesRepository, CONSOLE_POOL } from './cases/cases.repository';
import { CONSOLE_CONFIG, type ConsoleConfig } from './console.config';
import { HealthController } from './health/health.controller';
import { IncidentsController } from './incidents/incidents.controller';
import { IncidentsRepository } from './incidents/incidents.repository';
import { StatsController } from './stats/stats.controller';
import { StatsRepository } from './stats/stats.repository';

@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(@Inject(CONSOLE_POOL) private readonly pool: Pool) {}

  static forConfig(config: ConsoleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [AlertsModule.forConfig(config)],
      controllers: [CasesController, IncidentsController, StatsController, HealthController],
      providers: [
        { provide: CONSOLE_CONFIG, useValue: config },
        { provide: CONSOLE_POOL, useFactory: () => createPool(config.DATABASE_URL, 'ops-console') },
        CasesRepository,
        IncidentsRepository,
        StatsRepository,
        ConsoleAuthGuard,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
