import { AuditLog } from '@beacon/audit';
import { IdentityModule, identityOptionsFromEnv } from '@beacon/identity';
import { ObservabilityModule } from '@beacon/observability';
import { createPool } from '@beacon/persistence';
import { PersonKeyVault } from '@beacon/vault';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { type Pool } from 'pg';
import { AlertsModule } from './alerts/alerts.module';
import { AuditController } from './audit/audit.controller';
import { CaseAccessService } from './cases/case-access.service';
import { CasesController } from './cases/cases.controller';
import { CasesRepository, CONSOLE_POOL } from './cases/cases.repository';
import { CONSOLE_CONFIG, type ConsoleConfig } from './console.config';
import { CONSOLE_AUDIT } from './console.tokens';
import { HealthController } from './health/health.controller';
import { CaseIdentityRepository } from './identity-reads/case-identity.repository';
import { CaseIdentityService } from './identity-reads/case-identity.service';
import { IncidentsController } from './incidents/incidents.controller';
import { IncidentsRepository } from './incidents/incidents.repository';
import { PipelineController } from './pipeline/pipeline.controller';
import { PipelineRepository } from './pipeline/pipeline.repository';
import { ReferralsController } from './referrals/referrals.controller';
import { ReferralsRepository } from './referrals/referrals.repository';
import { StatsController } from './stats/stats.controller';
import { StatsRepository } from './stats/stats.repository';
import { ConsoleWebModule } from './web/web.module';

/** The audit log the console writes to, with the bulk-read policy from the configuration. */
export function consoleAuditLog(config: ConsoleConfig, pool: Pool): AuditLog {
  return new AuditLog(pool, {
    bulkRead: {
      threshold: config.AUDIT_BULK_READ_THRESHOLD,
      windowMs: config.AUDIT_BULK_READ_WINDOW_SECONDS * 1000,
    },
  });
}

@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(@Inject(CONSOLE_POOL) private readonly pool: Pool) {}

  static forConfig(config: ConsoleConfig): DynamicModule {
    // Created before the modules, because the identity module records account administration in it.
    const pool = createPool(config.DATABASE_URL, 'ops-console');
    const audit = consoleAuditLog(config, pool);
    return {
      module: AppModule,
      global: true,
      imports: [
        ObservabilityModule.forRoot({
          service: 'ops-console',
          logLevel: config.LOG_LEVEL,
          metricsToken: config.METRICS_TOKEN,
        }),
        IdentityModule.forRoot(
          identityOptionsFromEnv(config, { databaseUrl: config.DATABASE_URL, audit }),
        ),
        AlertsModule.forConfig(config),
        ConsoleWebModule.forConfig(config),
      ],
      controllers: [
        CasesController,
        ReferralsController,
        IncidentsController,
        StatsController,
        PipelineController,
        AuditController,
        HealthController,
      ],
      providers: [
        { provide: CONSOLE_CONFIG, useValue: config },
        { provide: CONSOLE_POOL, useValue: pool },
        { provide: CONSOLE_AUDIT, useValue: audit },
        { provide: PersonKeyVault, useValue: new PersonKeyVault(pool, config.VAULT_MASTER_KEYS) },
        CasesRepository,
        ReferralsRepository,
        CaseAccessService,
        CaseIdentityRepository,
        CaseIdentityService,
        IncidentsRepository,
        StatsRepository,
        PipelineRepository,
      ],
      exports: [CONSOLE_POOL, CasesRepository, CaseAccessService],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
