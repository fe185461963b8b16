import { AuditLog } from '@beacon/audit';
import { createKafka, type Kafka } from '@beacon/kafka';
import { type Pool } from '@beacon/persistence';
import { type DynamicModule, Module } from '@nestjs/common';
import { DeadLetterCommands } from '../dead-letters/dlq.command';
import { type ProjectorConfig } from '../projector.config';
import { ProjectionCommands } from '../rebuild/projections.command';
import { PROJECTOR_POOL, ReadModelsModule } from '../read-models/read-models.module';
import { CLI_AUDIT, CLI_KAFKA } from './cli.tokens';

/** `beacon projections …` and `beacon dlq …`, with the configuration the service itself loads. */
@Module({})
export class CliModule {
  static forConfig(config: ProjectorConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [ReadModelsModule.forConfig(config, 'case-projector-cli')],
      providers: [
        {
          provide: CLI_KAFKA,
          useFactory: (): Kafka => createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'case-projector-cli', topicPrefix: config.KAFKA_TOPIC_PREFIX }),
        },
        { provide: CLI_AUDIT, inject: [PROJECTOR_POOL], useFactory: (pool: Pool) => new AuditLog(pool) },
        ...ProjectionCommands,
        ...DeadLetterCommands,
      ],
    };
  }
}
