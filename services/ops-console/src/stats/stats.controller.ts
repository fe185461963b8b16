import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConsoleAuthGuard } from '../auth/console-auth.guard';
import { ApiProblems } from '../docs/problem.dto';
import { StatsDto } from './stats.dto';
import { statsOf } from './stats.mapper';
import { StatsRepository } from './stats.repository';

@ApiTags('stats')
@ApiBearerAuth()
@Controller('v1/stats')
@UseGuards(ConsoleAuthGuard)
export class StatsController {
  constructor(private readonly stats: StatsRepository) {}

  @Get()
  @ApiOperation({ summary: 'Case counts per region, urgency and custody, for dashboards' })
  @ApiOkResponse({ type: StatsDto })
  @ApiProblems()
  async get(): Promise<StatsDto> {
    return statsOf(await this.stats.counts(), new Date());
  }
}
