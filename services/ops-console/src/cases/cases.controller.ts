import { parseOrThrow, ProblemException } from '@beacon/http';
import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ConsoleAuthGuard } from '../auth/console-auth.guard';
import { ApiProblems } from '../docs/problem.dto';
import { CaseDetailDto, CasePageDto, TimelineDto } from './case.dto';
import { alert, caseSummary, timelineEntry } from './case.mapper';
import { caseListQuerySchema, CUSTODIES, decodeCursor, encodeCursor, URGENCIES } from './case-query.dto';
import { CasesRepository } from './cases.repository';

const notFound = () => new ProblemException(404, 'not-found', 'Case not found', 'No case with this id has been projected (yet).');

@ApiTags('cases')
@ApiBearerAuth()
@Controller('v1/cases')
@UseGuards(ConsoleAuthGuard)
export class CasesController {
  constructor(private readonly cases: CasesRepository) {}

  @Get()
  @ApiOperation({ summary: 'Cases, most recently changed first, filtered and paginated by cursor' })
  @ApiQuery({ name: 'region', required: false, description: 'Region slug, e.g. almaty' })
  @ApiQuery({ name: 'urgency', required: false, description: `Comma-separated: ${URGENCIES.join(', ')}` })
  @ApiQuery({ name: 'custody', required: false, description: `Comma-separated: ${CUSTODIES.join(', ')}` })
  @ApiQuery({ name: 'closed', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'incidentId', required: false, description: 'Only the cases of this incident' })
  @ApiQuery({ name: 'updatedSince', required: false, description: 'ISO 8601 instant: cases the read model changed at or after it' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 200, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiOkResponse({ type: CasePageDto })
  @ApiProblems()
  async list(@Query() raw: Record<string, unknown>): Promise<CasePageDto> {
    const query = parseOrThrow(caseListQuerySchema, raw ?? {});
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    const { rows, more } = await this.cases.list(query, after);
    const last = rows[rows.length - 1];
    return {
      items: rows.map(caseSummary),
      nextCursor: more && last ? encodeCursor({ updatedAt: last.updated_at, caseId: last.case_id }) : null,
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One case: derived state, urgency, alerts and timeline' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: CaseDetailDto })
  @ApiProblems({ notFound: true })
  async get(@Param('id') id: string): Promise<CaseDetailDto> {
    const caseId = parseOrThrow(z.uuid(), id, '/id');
    const row = await this.cases.findCase(caseId);
    if (!row) throw notFound();
    const [alerts, timeline] = await Promise.all([this.cases.alertsOfCase(caseId), this.cases.timeline(caseId)]);
    return { ...caseSummary(row), alerts: alerts.map(alert), timeline: timeline.map(timelineEntry) };
  }

  @Get(':id/timeline')
  @ApiOperation({ summary: 'Every event of a case in the order it happened, the alerting lifecycle included' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: TimelineDto })
  @ApiProblems({ notFound: true })
  async timeline(@Param('id') id: string): Promise<TimelineDto> {
    const caseId = parseOrThrow(z.uuid(), id, '/id');
    const timeline = await this.cases.timeline(caseId);
    if (timeline.length === 0 && !(await this.cases.findCase(caseId))) throw notFound();
    return { caseId, items: timeline.map(timelineEntry) };
  }
}
