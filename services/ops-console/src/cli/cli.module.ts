import { IdentityModule, identityOptionsFromEnv } from '@beacon/identity';
import { createPool } from '@beacon/persistence';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { type Pool } from 'pg';
import { consoleAuditLog } from '../app.module';
import { type ConsoleConfig } from '../console.config';

const CLI_POOL = Symbol('CONSOLE_CLI_POOL');

/** `beacon users …`: the identity module's commands, with the console's configuration and audit log. */
@Module({})
export class CliModule implements OnApplicationShutdown {
  constructor(@Inject(CLI_POOL) private readonly pool: Pool) {}

  static forConfig(config: ConsoleConfig): DynamicModule {
    const pool = createPool(config.DATABASE_URL, 'ops-console-cli', 2);
    return {
      module: CliModule,
      imports: [
        IdentityModule.forRoot(
          identityOptionsFromEnv(config, {
            databaseUrl: config.DATABASE_URL,
            audit: consoleAuditLog(config, pool),
            http: false,
          }),
        ),
      ],
      providers: [{ provide: CLI_POOL, useValue: pool }],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
