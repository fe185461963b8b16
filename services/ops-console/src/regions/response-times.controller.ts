import { authorize } from '@beacon/access-policy';
import { parseOrThrow } from '@beacon/http';
import { CurrentPrincipal, UserAuthGuard, type UserPrincipal } from '@beacon/identity';
import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { assertRoleMay } from '../cases/case-access.service';
import { ApiProblems } from '../docs/problem.dto';
import { type RegionResponseTimes, regionResponseTimes } from './response-times.mapper';
import { ResponseTimesRepository } from './response-times.repository';

const query = z.strictObject({
  days: z.coerce.number().int().min(1).max(365).default(30),
});

@ApiTags('stats')
@ApiBearerAuth()
@Controller('v1/regions/response-times')
@UseGuards(UserAuthGuard)
export class ResponseTimesController {
  constructor(private readonly times: ResponseTimesRepository) {}

  @Get()
  @ApiOperation({
    summary:
      'Per region: alerts raised in the window, time to acknowledge and time to first action (median, p90, seconds); ' +
      'officers see their regions, ops and admins all',
  })
  @ApiQuery({ name: 'days', required: false, description: 'Window in days, 1 to 365, default 30' })
  @ApiProblems()
  async get(
    @CurrentPrincipal() principal: UserPrincipal,
    @Query() raw: Record<string, unknown>,
  ): Promise<{ days: number; regions: RegionResponseTimes[] }> {
    assertRoleMay(principal, 'stats.read');
    const { days } = parseOrThrow(query, raw ?? {}, '/query');
    const rows = await this.times.perRegion(days);
    return {
      days,
      // The same decision as /v1/stats?region=: each region row is a regional statistic.
      regions: rows
        .filter((r) => authorize(principal, 'stats.read', { region: r.region }).allow)
        .map(regionResponseTimes),
    };
  }
}
