import { parseOrThrow } from '@beacon/http';
import {
  authorizeOrThrow,
  CurrentPrincipal,
  UserAuthGuard,
  type UserPrincipal,
} from '@beacon/identity';
import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiProblems } from '../docs/problem.dto';
import { StatsDto } from './stats.dto';
import { statsOf } from './stats.mapper';
import { StatsRepository } from './stats.repository';

const statsQuery = z.strictObject({
  region: z
    .string()
    .max(48)
    .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'Expected a region slug such as "almaty"')
    .optional(),
});

@ApiTags('stats')
@ApiBearerAuth()
@Controller('v1/stats')
@UseGuards(UserAuthGuard)
export class StatsController {
  constructor(private readonly stats: StatsRepository) {}

  @Get()
  @ApiOperation({
    summary:
      'Case counts per region, urgency and custody, for dashboards (officers: their region only)',
  })
  @ApiQuery({
    name: 'region',
    required: false,
    description: 'One region; without it, national totals (ops, admins)',
  })
  @ApiOkResponse({ type: StatsDto })
  @ApiProblems()
  async get(
    @CurrentPrincipal() principal: UserPrincipal,
    @Query() raw: Record<string, unknown>,
  ): Promise<StatsDto> {
    const { region } = parseOrThrow(statsQuery, raw ?? {}, '/query');
    authorizeOrThrow(principal, 'stats.read', region === undefined ? {} : { region });
    const rows = await this.stats.counts();
    return statsOf(
      region === undefined ? rows : rows.filter((r) => r.region === region),
      new Date(),
    );
  }
}
