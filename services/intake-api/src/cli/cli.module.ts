import { AuditLog } from '@beacon/audit';
import { CASE_EVENTS_TOPIC } from '@beacon/events';
import { topicName } from '@beacon/kafka';
import { createPool, Outbox } from '@beacon/persistence';
import { PersonKeyVault } from '@beacon/vault';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { type Pool } from 'pg';
import { HotlineKeysRepository } from '../auth/hotline-keys.repository';
import { INTAKE_CONFIG, type IntakeConfig } from '../intake.config';
import { CASE_TOPIC, INTAKE_POOL } from '../intake.tokens';
import { INTAKE_AUDIT, PersonErasureService } from '../persons/person-erasure.service';
import { PersonRefsRepository } from '../persons/person-refs.repository';
import { PersonsCommand } from '../persons/persons.command';
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
        {
          provide: CASE_TOPIC,
          useValue: topicName({ topicPrefix: config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_TOPIC),
        },
        { provide: Outbox, useValue: new Outbox('intake') },
        {
          provide: PersonKeyVault,
          inject: [INTAKE_POOL],
          useFactory: (pool: Pool) => new PersonKeyVault(pool, config.VAULT_MASTER_KEYS),
        },
        {
          provide: INTAKE_AUDIT,
          inject: [INTAKE_POOL],
          useFactory: (pool: Pool) => new AuditLog(pool),
        },
        HotlineKeysRepository,
        PersonRefsRepository,
        PersonErasureService,
        KeysCommand,
        ...KeysCommand.registerWithSubCommands(),
        PersonsCommand,
        ...PersonsCommand.registerWithSubCommands(),
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
