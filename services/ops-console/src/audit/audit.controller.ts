import {
  AUDIT_ACTIONS,
  type AuditEntry,
  AuditLog,
  type BulkReadAlert,
  SUBJECT_TYPES,
} from '@beacon/audit';
import { parseOrThrow } from '@beacon/http';
import {
  authorizeOrThrow,
  CurrentPrincipal,
  UserAuthGuard,
  type UserPrincipal,
} from '@beacon/identity';
import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CONSOLE_AUDIT } from '../console.tokens';
import { ApiProblems } from '../docs/problem.dto';

const opaque = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'must be an opaque id');
const instant = z.iso.datetime({ offset: true }).transform((v) => new Date(v));
const count = (max: number) => z.coerce.number().int().min(1).max(max);

const entriesQuery = z.strictObject({
  actorId: opaque.optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
  subjectType: z.enum(SUBJECT_TYPES).optional(),
  subjectId: opaque.optional(),
  from: instant.optional(),
  to: instant.optional(),
  beforeSeq: count(Number.MAX_SAFE_INTEGER).optional(),
  limit: count(1000).optional(),
});

const alertsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: count(1000).optional(),
});

type Dated<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] };

const dated = <T extends object>(value: T): Dated<T> =>
  Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  ) as Dated<T>;

/** The audit log, for admins: who read, shared, erased or administered what, when and why. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
@UseGuards(UserAuthGuard)
export class AuditController {
  constructor(@Inject(CONSOLE_AUDIT) private readonly audit: AuditLog) {}

  @Get()
  @ApiOperation({ summary: 'Audit entries, newest first, filtered; page back with beforeSeq' })
  @ApiQuery({ name: 'actorId', required: false })
  @ApiQuery({ name: 'action', required: false, enum: AUDIT_ACTIONS })
  @ApiQuery({ name: 'subjectType', required: false, enum: SUBJECT_TYPES })
  @ApiQuery({ name: 'subjectId', required: false })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601 instant, inclusive' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601 instant, exclusive' })
  @ApiQuery({ name: 'beforeSeq', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 1000, default 100' })
  @ApiProblems()
  async entries(
    @CurrentPrincipal() principal: UserPrincipal,
    @Query() raw: Record<string, unknown>,
  ): Promise<{ entries: Dated<AuditEntry>[] }> {
    authorizeOrThrow(principal, 'audit.read', {});
    const filter = parseOrThrow(entriesQuery, raw ?? {}, '/query');
    return { entries: (await this.audit.list(filter)).map(dated) };
  }

  @Get('alerts')
  @ApiOperation({
    summary: 'Bulk-read alerts, oldest first after a cursor (`after` = the last seq seen)',
  })
  @ApiQuery({ name: 'after', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiProblems()
  async alerts(
    @CurrentPrincipal() principal: UserPrincipal,
    @Query() raw: Record<string, unknown>,
  ): Promise<{ alerts: Dated<BulkReadAlert>[] }> {
    authorizeOrThrow(principal, 'audit.read', {});
    const query = parseOrThrow(alertsQuery, raw ?? {}, '/query');
    return { alerts: (await this.audit.alertsAfter(query.after, query.limit)).map(dated) };
  }
}
