import {
  authorizeOrThrow,
  CurrentPrincipal,
  UserAuthGuard,
  type UserPrincipal,
} from '@beacon/identity';
import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../docs/problem.dto';
import { PipelineRepository, type PipelineView } from './pipeline.repository';

@ApiTags('pipeline')
@ApiBearerAuth()
@Controller('v1/pipeline')
@UseGuards(UserAuthGuard)
export class PipelineController {
  constructor(private readonly pipeline: PipelineRepository) {}

  @Get()
  @ApiOperation({
    summary: 'Pipeline health for ops: read-model versions and projection positions (no case data)',
  })
  @ApiProblems()
  async get(@CurrentPrincipal() principal: UserPrincipal): Promise<PipelineView> {
    authorizeOrThrow(principal, 'pipeline.read', {});
    return this.pipeline.view();
  }
}
