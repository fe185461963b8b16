import { type CaseField } from '@beacon/access-policy';
import { parseOrThrow, ProblemException } from '@beacon/http';
import { CurrentPrincipal, UserAuthGuard, type UserPrincipal } from '@beacon/identity';
import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { assertRoleMay, CaseAccessService } from '../cases/case-access.service';
import { alert, caseSummary } from '../cases/case.mapper';
import { shapeSummary } from '../cases/case-view.mapper';
import { ApiProblems } from '../docs/problem.dto';
import { IncidentDto } from './incident.dto';
import { IncidentsRepository } from './incidents.repository';

/** The fields an incident's totals are made of: shown only to callers who may see all of them. */
const TOTALS: readonly CaseField[] = ['status', 'urgency', 'custody', 'alerts'];

@ApiTags('incidents')
@ApiBearerAuth()
@Controller('v1/incidents')
@UseGuards(UserAuthGuard)
export class IncidentsController {
  constructor(
    private readonly incidents: IncidentsRepository,
    private readonly access: CaseAccessService,
  ) {}

  @Get(':id')
  @ApiOperation({
    summary:
      'One incident: the cases of it the caller may see, their highest urgency, and the alerts raised for them',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: IncidentDto })
  @ApiProblems({ notFound: true })
  async get(
    @CurrentPrincipal() principal: UserPrincipal,
    @Param('id') id: string,
  ): Promise<Partial<IncidentDto>> {
    assertRoleMay(principal, 'case.read');
    const incidentId = parseOrThrow(z.uuid(), id, '/id');
    const rows = await this.incidents.cases(incidentId);
    if (rows.length === 0) {
      throw new ProblemException(
        404,
        'not-found',
        'Incident not found',
        'No case of this incident has been projected (yet).',
      );
    }
    const visible = await this.access.filterCases(principal, 'case.read', rows);
    // None visible: refuse with the reason the policy gives for the first case.
    if (visible.length === 0)
      await this.access.authorizeCase(principal, 'case.read', rows[0]!.case_id);
    const cases = visible.map((v) => v.row);
    const base = {
      incidentId,
      caseCount: cases.length,
      regions: [
        ...new Set(cases.map((c) => c.region).filter((r): r is string => r !== null)),
      ].sort(),
      cases: visible.map(({ row, decision }) =>
        shapeSummary(caseSummary(row), decision),
      ) as IncidentDto['cases'],
    };
    const complete = visible.every(({ decision }) =>
      TOTALS.every((f) => decision.fields === undefined || decision.fields.includes(f)),
    );
    if (!complete) return base;
    const open = cases.filter((c) => !c.closed);
    const alerts = await this.incidents.alerts(
      incidentId,
      cases.map((c) => c.case_id),
    );
    const visibleIds = new Set(cases.map((c) => c.case_id));
    const latest = (dates: (Date | null)[]) =>
      dates.reduce<Date | null>((a, b) => (b === null ? a : a === null || b > a ? b : a), null);
    const earliest = (dates: (Date | null)[]) =>
      dates.reduce<Date | null>((a, b) => (b === null ? a : a === null || b < a ? b : a), null);
    return {
      ...base,
      urgency: open.some((c) => c.urgency === 'critical')
        ? 'critical'
        : open.some((c) => c.urgency === 'high')
          ? 'high'
          : 'routine',
      openCases: open.length,
      criticalCases: open.filter((c) => c.urgency === 'critical').length,
      highCases: open.filter((c) => c.urgency === 'high').length,
      detainedCases: cases.filter((c) => c.custody === 'detained').length,
      openedAt: earliest(cases.map((c) => c.opened_at))?.toISOString() ?? null,
      lastOccurredAt: latest(cases.map((c) => c.last_occurred_at))?.toISOString() ?? null,
      updatedAt: (latest(cases.map((c) => c.updated_at)) ?? new Date(0)).toISOString(),
      alerts: alerts.filter((a) => visibleIds.has(a.case_id)).map(alert),
    };
  }
}
