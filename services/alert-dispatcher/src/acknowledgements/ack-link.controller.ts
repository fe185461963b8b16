import { caseRefOf, localeFromAcceptLanguage } from '@beacon/alerting-domain';
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

/** Why a link leads nowhere, and the language to say it in. */
class LinkRefused extends Error {
  constructor(
    readonly reason: 'expired' | 'invalid' | 'not-found',
    readonly locale: string | null,
  ) {
    super(reason);
  }
}

/** For API clients, which read the type: in English, as every problem Beacon answers. */
const PROBLEMS = {
  expired: [
    410,
    'ack-link-expired',
    'Link expired',
    'This acknowledgement link has expired: reply to the SMS or use the console.',
  ],
  invalid: [404, 'ack-link-invalid', 'Link not valid', 'This is not a valid acknowledgement link.'],
  'not-found': [404, 'not-found', 'Alert not found', 'The alert behind this link does not exist.'],
} as const;

/**
 * The one-click link in an e-mail: GET shows a confirm page, POST acknowledges. The signed,
 * expiring token is the credential; browsers get HTML, API clients JSON or problem+json.
 * Pages are in the language of the e-mail the link came in (the recipient's locale, stored
 * with the notification); when the link names no notification of ours, in the browser's
 * language among Beacon's five, else English.
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
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.answer(accept, acceptLanguage, reply, async () => {
      const link = await this.check(token);
      const client = await this.pool.connect();
      const alert = await this.alerts.find(client, link.alertId).finally(() => client.release());
      if (!alert) throw new LinkRefused('not-found', link.locale);
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
      return confirmPage(link.locale, {
        caseRef: caseRefOf(alert.case_id),
        urgency: alert.urgency,
        action: `/v1/ack/${token}`,
      });
    });
  }

  @Post(':token')
  @HttpCode(200)
  async acknowledge(
    @Param('token') token: string,
    @Headers('accept') accept: string | undefined,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.answer(accept, acceptLanguage, reply, async () => {
      const link = await this.check(token);
      const result = await this.acknowledgements.acknowledge(
        link.alertId,
        link.recipientId,
        'email-link',
      );
      if (result.outcome === 'not-found') throw new LinkRefused('not-found', link.locale);
      if (!wantsHtml(accept)) return ackAnswer(result);
      void reply.type('text/html; charset=utf-8');
      switch (result.outcome) {
        case 'acknowledged':
          return outcomePage(link.locale, {
            outcome: 'acknowledged',
            cases: result.alertIds.length,
          });
        case 'already-acknowledged':
          return outcomePage(link.locale, { outcome: 'already-acknowledged', at: result.at });
        case 'closed':
          return outcomePage(link.locale, { outcome: 'closed', status: result.status });
      }
    });
  }

  /**
   * Runs a handler; a link that leads nowhere is answered as problem+json, or to a browser
   * as a page with the same status.
   */
  private async answer<T>(
    accept: string | undefined,
    acceptLanguage: string | undefined,
    reply: FastifyReply,
    handle: () => Promise<T>,
  ): Promise<T | string> {
    try {
      return await handle();
    } catch (error) {
      if (!(error instanceof LinkRefused)) throw error;
      const [status, slug, title, detail] = PROBLEMS[error.reason];
      if (!wantsHtml(accept)) throw new ProblemException(status, slug, title, detail);
      void reply.status(status).type('text/html; charset=utf-8');
      return outcomePage(error.locale ?? localeFromAcceptLanguage(acceptLanguage), {
        outcome: error.reason,
      });
    }
  }

  /** The alert, the recipient and the recipient's locale behind a valid, unexpired link. */
  private async check(
    token: string,
  ): Promise<{ alertId: string; recipientId: string; locale: string }> {
    const link = this.links.verify(token, new Date());
    if (!link.ok && link.reason !== 'expired') throw new LinkRefused('invalid', null);
    const { rows } = await this.pool.query<{
      alert_id: string;
      recipient_id: string;
      locale: string;
    }>(
      `SELECT alert_id, recipient_id, locale FROM alerting.notifications WHERE notification_id = $1`,
      [link.notificationId],
    );
    const row = rows[0];
    if (!row) throw new LinkRefused('invalid', null);
    if (!link.ok) throw new LinkRefused('expired', row.locale);
    return { alertId: row.alert_id, recipientId: row.recipient_id, locale: row.locale };
  }
}

function wantsHtml(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('text/html');
}
