import { type DynamicModule, Module } from '@nestjs/common';
import { AlertDispatcherClient } from '../alerts/alert-dispatcher.client';
import { CONSOLE_CONFIG, type ConsoleConfig } from '../console.config';
import { LiveFeedRepository } from '../live/live-feed.repository';
import { LiveFeedService } from '../live/live-feed.service';
import { LiveController } from '../live/live.controller';
import { PipelineKafka } from '../pipeline/pipeline-kafka.service';
import { ResponseTimesController } from '../regions/response-times.controller';
import { ResponseTimesRepository } from '../regions/response-times.repository';
import { WebController } from './web.controller';

/**
 * The web console and what only it needs: the pages, live updates, response times per region
 * and the Kafka side of pipeline health (exported for the pipeline endpoint).
 */
@Module({})
export class ConsoleWebModule {
  static forConfig(config: ConsoleConfig): DynamicModule {
    return {
      module: ConsoleWebModule,
      controllers: [WebController, LiveController, ResponseTimesController],
      providers: [
        { provide: CONSOLE_CONFIG, useValue: config },
        AlertDispatcherClient,
        LiveFeedRepository,
        LiveFeedService,
        ResponseTimesRepository,
        PipelineKafka,
      ],
      exports: [PipelineKafka],
    };
  }
}
