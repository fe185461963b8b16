import { parseOrThrow, ProblemException } from '@beacon/http';
import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ConsoleAuthGuard } from '../auth/console-auth.guard';
import { alert, caseSummary } from '../cases/case.mapper';
import { ApiProblems } from '../docs/problem.dto';
import { IncidentDto } from './incident.dto';
import { IncidentsRepository } from './incidents.repository';

@ApiTags('incidents')
@ApiBearerAuth()
@Controller('v1/incidents')
@UseGuards(ConsoleAuthGuard)
export class IncidentsController {
  constructor(private readonly incidents: IncidentsRepository) {}

  @Get(':id')
  @ApiOperation({ summary: 'One incident: its cases, their highest urgency, and the alerts raised for it' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: IncidentDto })
  @ApiProblems({ notFound: true })
  async get(@Param('id') id: string): Promise<IncidentDto> {
    const incidentId = parseOrThrow(z.uuid(), id, '/id');
    const incident = await this.incidents.find(incidentId);
    if (!incident) throw new ProblemException(404, 'not-found', 'Incident not found', 'No case of this incident has been projected (yet).');
    const cases = await this.incidents.cases(incidentId);
    const alerts = await this.incidents.alerts(incidentId, cases.map((c) => c.case_id));
    return {
      incidentId: incident.incident_id,
      urgency: incident.urgency,
      caseCount: incident.case_count,
      openCases: incident.open_cases,
      criticalCases: incident.critical_cases,
      highCases: incident.high_cases,
      detainedCases: incident.detained_cases,
      regions: incident.regions,
      openedAt: incident.opened_at?.toISOString() ?? null,
      lastOccurredAt: incident.last_occurred_at?.toISOString() ?? null,
      updatedAt: incident.updated_at.toISOString(),
      cases: cases.map(caseSummary),
      alerts: alerts.map(alert),
    };
  }
}
