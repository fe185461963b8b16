import { createPool, type Pool } from '@beacon/persistence';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { PROJECTOR_CONFIG, type ProjectorConfig } from '../projector.config';
import { ReadModelVersionsRepository } from './read-model-versions.repository';
import { ReadModelRepository } from './read-model.repository';

export const PROJECTOR_POOL = Symbol('PROJECTOR_POOL');

/** The projection database: one pool, the version registry and the read-model writer. */
@Module({})
export class ReadModelsModule implements OnApplicationShutdown {
  constructor(@Inject(PROJECTOR_POOL) private readonly pool: Pool) {}

  static forConfig(config: ProjectorConfig, applicationName = 'case-projector'): DynamicModule {
    return {
      module: ReadModelsModule,
      global: true,
      providers: [
        { provide: PROJECTOR_CONFIG, useValue: config },
        {
          provide: PROJECTOR_POOL,
          useFactory: () =>
            createPool(config.DATABASE_URL, applicationName, config.DATABASE_POOL_SIZE),
        },
        {
          provide: ReadModelVersionsRepository,
          inject: [PROJECTOR_POOL],
          useFactory: (pool: Pool) => new ReadModelVersionsRepository(pool),
        },
        { provide: ReadModelRepository, useValue: new ReadModelRepository() },
      ],
      exports: [PROJECTOR_CONFIG, PROJECTOR_POOL, ReadModelVersionsRepository, ReadModelRepository],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
