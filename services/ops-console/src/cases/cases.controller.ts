import { authorize, IDENTITY_FIELDS, type IdentityField, POLICY } from '@beacon/access-policy';
import { parseOrThrow } from '@beacon/http';
import {
  authorizeOrThrow,
  CurrentPrincipal,
  UserAuthGuard,
  type UserPrincipal,
} from '@beacon/identity';
import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { ApiProblems } from '../docs/problem.dto';
import {
  CaseIdentityService,
  type CaseIdentityView,
} from '../identity-reads/case-identity.service';
import { shapeDetail, shapeSummary } from './case-view.mapper';
import { assertRoleMay, CaseAccessService } from './case-access.service';
import { CaseDetailDto, CasePageDto, TimelineDto } from './case.dto';
import { alert, caseSummary, timelineEntry } from './case.mapper';
import {
  caseListQuerySchema,
  CUSTODIES,
  decodeCursor,
  encodeCursor,
  URGENCIES,
} from './case-query.dto';
import { CasesRepository } from './cases.repository';

const purposeQuery = z.strictObject({
  purpose: z
    .string({ error: 'is required: say why, as a code such as case-work or legal-aid' })
    .regex(
      /^[a-z][a-z0-9-]{0,63}$/,
      'must be a short lowercase code such as case-work, never free text',
    ),
});

@ApiTags('cases')
@ApiBearerAuth()
@Controller('v1/cases')
@UseGuards(UserAuthGuard)
export class CasesController {
  constructor(
    private readonly cases: CasesRepository,
    private readonly access: CaseAccessService,
    private readonly identities: CaseIdentityService,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Cases the caller may see (an officer: their regions; a lawyer: the cases referred to them), most recently changed first',
  })
  @ApiQuery({ name: 'region', required: false, description: 'Region slug, e.g. almaty' })
  @ApiQuery({
    name: 'urgency',
    required: false,
    description: `Comma-separated: ${URGENCIES.join(', ')}`,
  })
  @ApiQuery({
    name: 'custody',
    required: false,
    description: `Comma-separated: ${CUSTODIES.join(', ')}`,
  })
  @ApiQuery({ name: 'closed', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'incidentId', required: false, description: 'Only the cases of this incident' })
  @ApiQuery({
    name: 'updatedSince',
    required: false,
    description: 'ISO 8601 instant: cases the read model changed at or after it',
  })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 200, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiOkResponse({ type: CasePageDto })
  @ApiProblems()
  async list(
    @CurrentPrincipal() principal: UserPrincipal,
    @Query() raw: Record<string, unknown>,
  ): Promise<CasePageDto> {
    assertRoleMay(principal, 'case.read');
    const query = parseOrThrow(caseListQuerySchema, raw ?? {});
    const reach = POLICY['case.read'][principal.role];
    // A regional caller naming a region outside theirs is refused, not quietly shown nothing.
    if (query.region !== undefined && reach === 'region')
      authorizeOrThrow(principal, 'case.read', { region: query.region });
    // The list is scoped in SQL the way the policy reaches: by referral, by region, or not at all.
    const scope =
      reach === 'referral'
        ? {
            caseIds: principal.organisation
              ? await this.access.casesReferredTo(principal.organisation)
              : [],
          }
        : reach === 'region' && !principal.regions.includes('*')
          ? { regions: [...principal.regions] }
          : {};
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    const { rows, more } = await this.cases.list(query, after, scope);
    const visible = await this.access.filterCases(principal, 'case.read', rows);
    const last = rows[rows.length - 1];
    return {
      items: visible.map(({ row, decision }) =>
        shapeSummary(caseSummary(row), decision),
      ) as CasePageDto['items'],
      nextCursor:
        more && last ? encodeCursor({ updatedAt: last.updated_at, caseId: last.case_id }) : null,
    };
  }

  @Get(':id')
  @ApiOperation({
    summary:
      'One case: derived state, urgency, alerts and timeline, as far as the caller may see them',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: CaseDetailDto })
  @ApiProblems({ notFound: true })
  async get(
    @CurrentPrincipal() principal: UserPrincipal,
    @Param('id') id: string,
  ): Promise<Partial<CaseDetailDto>> {
    const caseId = parseOrThrow(z.uuid(), id, '/id');
    const { row, resource, decision } = await this.access.authorizeCase(
      principal,
      'case.read',
      caseId,
    );
    const timelineAllowed = authorize(principal, 'case.timeline', resource).allow;
    const [alerts, timeline] = await Promise.all([
      this.cases.alertsOfCase(caseId),
      timelineAllowed ? this.cases.timeline(caseId) : [],
    ]);
    return shapeDetail(
      { ...caseSummary(row), alerts: alerts.map(alert), timeline: timeline.map(timelineEntry) },
      decision,
      timelineAllowed,
    );
  }

  @Get(':id/timeline')
  @ApiOperation({
    summary: 'Every event of a case in the order it happened, the alerting lifecycle included',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: TimelineDto })
  @ApiProblems({ notFound: true })
  async timeline(
    @CurrentPrincipal() principal: UserPrincipal,
    @Param('id') id: string,
  ): Promise<TimelineDto> {
    const caseId = parseOrThrow(z.uuid(), id, '/id');
    await this.access.authorizeCase(principal, 'case.timeline', caseId);
    return { caseId, items: (await this.cases.timeline(caseId)).map(timelineEntry) };
  }

  @Get(':id/identity')
  @ApiOperation({
    summary:
      'The identifying fields of the case’s person (name, date of birth, registration number, phone, notes), decrypted. ' +
      'Every call is written to the audit log with the caller and the purpose; many in a short time raise an alert.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQuery({
    name: 'purpose',
    required: true,
    description: 'Why, as a code: case-work, legal-aid, data-subject-request, …',
  })
  @ApiProblems({ notFound: true })
  async identity(
    @CurrentPrincipal() principal: UserPrincipal,
    @Param('id') id: string,
    @Query() raw: Record<string, unknown>,
  ): Promise<CaseIdentityView> {
    const caseId = parseOrThrow(z.uuid(), id, '/id');
    const { purpose } = parseOrThrow(purposeQuery, raw ?? {}, '/query');
    const { row, decision } = await this.access.authorizeCase(
      principal,
      'case.read-identity',
      caseId,
    );
    const allowed = (decision.fields ?? IDENTITY_FIELDS).filter((f): f is IdentityField =>
      (IDENTITY_FIELDS as readonly string[]).includes(f),
    );
    return this.identities.read(principal, caseId, row.person_ref, allowed, purpose);
  }
}
