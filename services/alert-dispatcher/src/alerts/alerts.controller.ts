import { caseRefOf } from '@beacon/alerting-domain';
import { parseOrThrow, ProblemException } from '@beacon/http';
import { type Pool } from '@beacon/persistence';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { z } from 'zod';
import { Acknowledgements, type AckOutcome } from '../acknowledgements/acknowledgements.service';
import { ALERTING_POOL } from '../dispatcher.tokens';
import { type AlertPageRow, AlertsRepository, type AlertRow } from './alerts.repository';
import { ServiceTokenGuard } from './service-token.guard';

const ackBody = z.strictObject({
  by: z
    .string()
    .max(64)
    .regex(
      /^[A-Za-z][A-Za-z0-9_.:-]*$/,
      'must be an opaque user id such as "officer-17", never a name or e-mail',
    ),
  via: z.enum(['console', 'api']).default('api'),
});

const listQuery = z.strictObject({
  status: z.enum(['open', 'resolved', 'superseded']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function alertView(
  row: AlertRow,
  extras: { deadlineAt?: Date | null; pages?: readonly AlertPageRow[] } = {},
) {
  return {
    alertId: row.alert_id,
    caseId: row.case_id,
    caseRef: caseRefOf(row.case_id),
    incidentId: row.incident_id,
    region: row.region,
    rule: row.rule,
    urgency: row.urgency,
    status: row.status,
    tier: row.tier,
    raisedAt: row.raised_at.toISOString(),
    acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
    acknowledgedBy: row.acknowledged_by,
    acknowledgedVia: row.acknowledged_via,
    /** When the next tier is paged unless someone acknowledges; null once acknowledged or on the last tier. */
    deadlineAt: extras.deadlineAt?.toISOString() ?? null,
    pages: (extras.pages ?? []).map((p) => ({
      recipientId: p.recipient_id,
      channel: p.channel,
      tier: p.tier,
      kind: p.kind,
      status: p.status,
      sentAt: p.sent_at?.toISOString() ?? null,
      deliveredAt: p.delivered_at?.toISOString() ?? null,
    })),
  };
}

/** Maps an acknowledgement outcome to the HTTP answer; shared with the link endpoint. */
export function ackAnswer(result: AckOutcome) {
  switch (result.outcome) {
    case 'acknowledged':
      return {
        alertId: result.alertId,
        status: 'acknowledged' as const,
        acknowledgedAt: result.at.toISOString(),
        by: result.by,
        via: result.via,
        alertIds: result.alertIds,
      };
    case 'already-acknowledged':
      return {
        alertId: result.alertId,
        status: 'already-acknowledged' as const,
        acknowledgedAt: result.at.toISOString(),
        by: result.by,
        via: result.via,
        alertIds: [],
      };
    case 'closed':
      throw new ProblemException(
        409,
        'alert-closed',
        'Alert no longer open',
        `The alert was ${result.status}; nothing to acknowledge.`,
      );
    case 'not-found':
      throw new ProblemException(404, 'not-found', 'Alert not found', 'No alert with this id.');
  }
}

/** The dispatcher's API for other services: ops-console lists alerts and acknowledges for officers. */
@Controller('v1/alerts')
@UseGuards(ServiceTokenGuard)
export class AlertsController {
  constructor(
    @Inject(ALERTING_POOL) private readonly pool: Pool,
    private readonly alerts: AlertsRepository,
    private readonly acknowledgements: Acknowledgements,
  ) {}

  @Get()
  async list(@Query() query: unknown) {
    const filter = parseOrThrow(listQuery, query, '/query');
    const rows = await this.alerts.list(this.pool, {
      ...(filter.status ? { status: filter.status } : {}),
      limit: filter.limit,
    });
    const ids = rows.map((r) => r.alert_id);
    const [deadlines, pages] = await Promise.all([
      this.alerts.deadlinesOf(this.pool, ids),
      this.alerts.pagesOf(this.pool, ids),
    ]);
    return {
      alerts: rows.map((row) =>
        alertView(row, {
          deadlineAt: deadlines.get(row.alert_id) ?? null,
          pages: pages.filter((p) => p.alert_id === row.alert_id),
        }),
      ),
    };
  }

  @Post(':alertId/acknowledge')
  @HttpCode(200)
  async acknowledge(@Param('alertId') alertId: string, @Body() body: unknown) {
    const id = parseOrThrow(z.uuid(), alertId, '/alertId');
    const { by, via } = parseOrThrow(ackBody, body ?? {}, '');
    return ackAnswer(await this.acknowledgements.acknowledge(id, by, via));
  }
}
