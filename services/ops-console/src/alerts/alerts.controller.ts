import { authorize } from '@beacon/access-policy';
import { parseOrThrow, ProblemException } from '@beacon/http';
import {
  authorizeOrThrow,
  CurrentPrincipal,
  UserAuthGuard,
  type UserPrincipal,
} from '@beacon/identity';
import { Controller, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { type FastifyReply } from 'fastify';
import { z } from 'zod';
import { assertRoleMay, CaseAccessService } from '../cases/case-access.service';
import { caseResource } from '../cases/case-view.mapper';
import { CasesRepository } from '../cases/cases.repository';
import { AlertDispatcherClient, type DispatcherAnswer } from './alert-dispatcher.client';

const listQuery = z.strictObject({
  status: z.enum(['open', 'resolved', 'superseded']).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

interface DispatcherAlert {
  caseId: string;
  region: string | null;
}

/**
 * Alerts as the dispatcher holds them, and acknowledgement from the console: "I have it",
 * recorded as the signed-in user, via 'console'. Both go through the access policy first.
 */
@ApiTags('alerts')
@ApiBearerAuth()
@Controller('v1/alerts')
@UseGuards(UserAuthGuard)
export class AlertsController {
  constructor(
    private readonly dispatcher: AlertDispatcherClient,
    private readonly cases: CasesRepository,
    private readonly access: CaseAccessService,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Alerts the caller may see, newest first: ids, case references, urgency, tier, who acknowledged',
  })
  async list(
    @CurrentPrincipal() principal: UserPrincipal,
    @Query() query: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    assertRoleMay(principal, 'alert.read');
    const filter = parseOrThrow(listQuery, query, '/query');
    const search = new URLSearchParams();
    if (filter.status) search.set('status', filter.status);
    if (filter.limit) search.set('limit', String(filter.limit));
    const answer = await this.dispatcher.call('GET', `/v1/alerts?${search.toString()}`);
    if (answer.status !== 200) return relay(answer, reply);
    const alerts = (answer.body as { alerts?: DispatcherAlert[] } | null)?.alerts ?? [];
    const referrals = await this.access.referralsOf([...new Set(alerts.map((a) => a.caseId))]);
    return {
      alerts: alerts.filter(
        (a) =>
          authorize(principal, 'alert.read', caseResource(a.region, referrals.get(a.caseId) ?? []))
            .allow,
      ),
    };
  }

  @Post(':alertId/acknowledge')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Acknowledge an alert (and the open alerts of its incident) as the signed-in responder; stops escalation',
  })
  @ApiParam({ name: 'alertId', format: 'uuid' })
  async acknowledge(
    @CurrentPrincipal() principal: UserPrincipal,
    @Param('alertId') alertId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    assertRoleMay(principal, 'alert.ack');
    const id = parseOrThrow(z.uuid(), alertId, '/alertId');
    const target = await this.cases.alertTarget(id);
    if (!target)
      throw new ProblemException(
        404,
        'not-found',
        'Alert not found',
        'No alert with this id has been projected (yet).',
      );
    const referrals = await this.access.referralsOf([target.caseId]);
    authorizeOrThrow(
      principal,
      'alert.ack',
      caseResource(target.region, referrals.get(target.caseId) ?? []),
    );
    return relay(
      // The dispatcher takes opaque ids that start with a letter; user ids are uuids.
      await this.dispatcher.call('POST', `/v1/alerts/${id}/acknowledge`, {
        by: `user:${principal.userId}`,
        via: 'console',
      }),
      reply,
    );
  }
}

/** The dispatcher's answer as the console's own: same status, same body (problem+json included). */
function relay(answer: DispatcherAnswer, reply: FastifyReply): unknown {
  void reply.status(answer.status);
  if (answer.status >= 400) void reply.type('application/problem+json');
  return answer.body;
}
