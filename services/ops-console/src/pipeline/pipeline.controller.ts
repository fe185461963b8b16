import {
  authorizeOrThrow,
  CurrentPrincipal,
  UserAuthGuard,
  type UserPrincipal,
} from '@beacon/identity';
import { Controller, Get, Logger, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../docs/problem.dto';
import { PipelineKafka, type KafkaOffsets } from './pipeline-kafka.service';
import { type PipelineHealth, pipelineHealth } from './pipeline.mapper';
import { PipelineRepository } from './pipeline.repository';

/** Kafka answers within this, or the view goes out without lag rather than hang. */
const KAFKA_TIMEOUT_MS = 3_000;

@ApiTags('pipeline')
@ApiBearerAuth()
@Controller('v1/pipeline')
@UseGuards(UserAuthGuard)
export class PipelineController {
  private readonly logger = new Logger(PipelineController.name);

  constructor(
    private readonly pipeline: PipelineRepository,
    private readonly kafka: PipelineKafka,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Pipeline health for ops: outbox backlog and age, consumer positions and lag, dead letters, ' +
      'delivery failure rate per channel, read-model versions (no case data)',
  })
  @ApiProblems()
  async get(@CurrentPrincipal() principal: UserPrincipal): Promise<PipelineHealth> {
    authorizeOrThrow(principal, 'pipeline.read', {});
    const [view, offsets] = await Promise.all([this.pipeline.view(), this.kafkaOffsets()]);
    return pipelineHealth(view, { configured: this.kafka.configured, offsets });
  }

  private async kafkaOffsets(): Promise<KafkaOffsets | null> {
    if (!this.kafka.configured) return null;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.kafka.offsets(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), KAFKA_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      this.logger.warn(`Kafka offsets unavailable: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
}
