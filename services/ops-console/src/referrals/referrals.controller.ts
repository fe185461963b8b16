import { CASE_FIELDS, type Field, IDENTITY_FIELDS } from '@beacon/access-policy';
import { type AuditRecorder } from '@beacon/audit';
import { parseOrThrow } from '@beacon/http';
import { CurrentPrincipal, UserAuthGuard, type UserPrincipal } from '@beacon/identity';
import { withTransaction } from '@beacon/persistence';
import { Body, Controller, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { type Pool } from 'pg';
import { z } from 'zod';
import { CaseAccessService } from '../cases/case-access.service';
import { CONSOLE_POOL } from '../cases/cases.repository';
import { CONSOLE_AUDIT } from '../console.tokens';
import { ApiProblems } from '../docs/problem.dto';
import { ReferralsRepository } from './referrals.repository';

const FIELDS = [...CASE_FIELDS, ...IDENTITY_FIELDS] as const;

export const referralSchema = z.strictObject({
  organisation: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'must be an organisation slug such as legal-aid-almaty'),
  fields: z
    .array(z.enum(FIELDS))
    .min(1)
    .refine((f) => new Set(f).size === f.length, 'must not repeat a field'),
  purpose: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a short lowercase code such as legal-aid'),
});

/**
 * Referring a case to a legal-aid organisation shares it: the officers of the case's region (or
 * an admin) decide which fields the lawyers may see. Every referral is an audited share.
 */
@ApiTags('cases')
@ApiBearerAuth()
@Controller('v1/cases/:id/referrals')
@UseGuards(UserAuthGuard)
export class ReferralsController {
  constructor(
    @Inject(CONSOLE_POOL) private readonly pool: Pool,
    @Inject(CONSOLE_AUDIT) private readonly audit: AuditRecorder,
    private readonly access: CaseAccessService,
    private readonly referrals: ReferralsRepository,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Refer the case to a legal-aid organisation, for the named fields only (replaces an earlier referral to it)',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiProblems({ notFound: true })
  async refer(
    @CurrentPrincipal() principal: UserPrincipal,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<{ caseId: string; organisation: string; fields: Field[] }> {
    const caseId = parseOrThrow(z.uuid(), id, '/id');
    const referral = parseOrThrow(referralSchema, body);
    await this.access.authorizeCase(principal, 'case.refer', caseId);
    await withTransaction(this.pool, async (client) => {
      await this.referrals.upsert(
        client,
        caseId,
        { organisation: referral.organisation, fields: referral.fields },
        principal.userId,
      );
      await this.audit.record(
        {
          actor: { id: principal.userId, role: principal.role },
          action: 'share',
          subject: { type: 'case', id: caseId },
          fields: [...referral.fields],
          purpose: referral.purpose,
          detail: { organisation: referral.organisation },
        },
        client,
      );
    });
    return { caseId, organisation: referral.organisation, fields: [...referral.fields] };
  }
}
