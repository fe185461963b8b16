import { createPool } from '@beacon/persistence';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { type Pool } from 'pg';
import { HotlineKeysRepository } from '../auth/hotline-keys.repository';
import { INTAKE_CONFIG, type IntakeConfig } from '../intake.config';
import { INTAKE_POOL } from '../intake.tokens';
import { KeysCommand } from './keys.command';

/** The admin commands: the same configuration and repositories as the service, without its workers. */
@Module({})
export class CliModule implements OnApplicationShutdown {
  constructor(@Inject(INTAKE_POOL) private readonly pool: Pool) {}

  static forConfig(config: IntakeConfig): DynamicModule {
    return {
      module: CliModule,
      providers: [
        { provide: INTAKE_CONFIG, useValue: config },
        {
          provide: INTAKE_POOL,
          useFactory: () => createPool(config.DATABASE_URL, 'intake-cli', 2),
        },
        HotlineKeysRepository,
        KeysCommand,
        ...KeysCommand.registerWithSubCommands(),
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
