import { caseRefOf } from '@beacon/alerting-domain';
import { ProblemException } from '@beacon/http';
import { type Pool } from '@beacon/persistence';
import { Controller, Get, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { type FastifyReply } from 'fastify';
import { ackAnswer } from '../alerts/alerts.controller';
import { AlertsRepository } from '../alerts/alerts.repository';
import { ALERTING_POOL } from '../dispatcher.tokens';
import { AckLinks } from './ack-links.service';
import { Acknowledgements } from './acknowledgements.service';
import { confirmPage, outcomePage } from './ack-page.template';

/**
 * The one-click link in an e-mail: GET shows a confirm page, POST acknowledges. The signed,
 * expiring token is the credential; browsers get HTML, API clients JSON or problem+json.
 */
@Controller('v1/ack')
export class AckLinkController {
  constructor(
    @Inject(ALERTING_POOL) private readonly pool: Pool,
    private readonly links: AckLinks,
    private readonly alerts: AlertsRepository,
    private readonly acknowledgements: Acknowledgements,
  ) {}

  @Get(':token')
  async confirm(
    @Param('token') token: string,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const link = await this.check(token);
    const client = await this.pool.connect();
    const alert = await this.alerts.find(client, link.alertId).finally(() => client.release());
    if (!alert)
      throw new ProblemException(
        404,
        'not-found',
        'Alert not found',
        'The alert behind this link does not exist.',
      );
    if (!wantsHtml(accept)) {
      return {
        alertId: alert.alert_id,
        caseRef: caseRefOf(alert.case_id),
        urgency: alert.urgency,
        status: alert.status,
        acknowledgedAt: alert.acknowledged_at?.toISOString() ?? null,
      };
    }
    void reply.type('text/html; charset=utf-8');
    return confirmPage({
      caseRef: caseRefOf(alert.case_id),
      urgency: alert.urgency,
      action: `/v1/ack/${token}`,
    });
  }

  @Post(':token')
  @HttpCode(200)
  async acknowledge(
    @Param('token') token: string,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const link = await this.check(token);
    const result = await this.acknowledgements.acknowledge(
      link.alertId,
      link.recipientId,
      'email-link',
    );
    if (!wantsHtml(accept)) return ackAnswer(result);
    void reply.type('text/html; charset=utf-8');
    switch (result.outcome) {
      case 'acknowledged':
        return outcomePage(
          'Acknowledged',
          `Thank you. The alert is yours; escalation has stopped (${result.alertIds.length} case(s) of the incident).`,
        );
      case 'already-acknowledged':
        return outcomePage(
          'Already acknowledged',
          `This alert was acknowledged at ${result.at.toISOString()}.`,
        );
      case 'closed':
        return outcomePage(
          'Alert closed',
          `This alert was ${result.status}; nothing to acknowledge.`,
        );
      case 'not-found':
        throw new ProblemException(
          404,
          'not-found',
          'Alert not found',
          'The alert behind this link does not exist.',
        );
    }
  }

  /** The alert and the recipient behind a valid, unexpired link. */
  private async check(token: string): Promise<{ alertId: string; recipientId: string }> {
    const link = this.links.verify(token, new Date());
    if (link.ok) {
      const { rows } = await this.pool.query<{ alert_id: string; recipient_id: string }>(
        `SELECT alert_id, recipient_id FROM alerting.notifications WHERE notification_id = $1`,
        [link.notificationId],
      );
      const row = rows[0];
      if (row) return { alertId: row.alert_id, recipientId: row.recipient_id };
      throw new ProblemException(
        404,
        'ack-link-invalid',
        'Link not valid',
        'This is not a valid acknowledgement link.',
      );
    }
    switch (link.reason) {
      case 'expired':
        throw new ProblemException(
          410,
          'ack-link-expired',
          'Link expired',
          'This acknowledgement link has expired: reply to the SMS or use the console.',
        );
      case 'malformed':
      case 'forged':
        throw new ProblemException(
          404,
          'ack-link-invalid',
          'Link not valid',
          'This is not a valid acknowledgement link.',
        );
    }
  }
}

function wantsHtml(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('text/html');
}
