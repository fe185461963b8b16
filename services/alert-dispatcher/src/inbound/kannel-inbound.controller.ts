import { ProblemException } from '@beacon/http';
import { constantTimeEqual } from '@beacon/security';
import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { verifyCallbackSignature } from '../channels/sms/callback-signature';
import { normalisePhone } from '../channels/sms/sms-provider';
import { KANNEL_DLR } from '../channels/sms/kannel.channel';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../dispatcher.config';
import { SmsInboundService } from './sms-inbound.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Kannel's side of the SMS route: replies it forwards (sms-service post-url, HTTP basic auth
 * as user "kannel") and delivery reports (dlr-url, a signed notification id).
 */
@Controller('v1/sms/kannel')
export class KannelInboundController {
  constructor(
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
    private readonly inbound: SmsInboundService,
  ) {}

  @Post('inbound')
  @HttpCode(200)
  async reply(
    @Headers('authorization') authorization: string | undefined,
    @Headers('x-kannel-from') from: string | undefined,
    @Body() body: unknown,
  ): Promise<string> {
    this.authenticate(authorization);
    if (!from || normalisePhone(from) === '') {
      throw new ProblemException(
        400,
        'validation',
        'Invalid request',
        'The X-Kannel-From header is missing.',
        {
          'invalid-params': [{ name: 'X-Kannel-From', reason: 'required: the sender of the SMS' }],
        },
      );
    }
    const text =
      typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : '';
    await this.inbound.reply('kannel', normalisePhone(from), text.slice(0, 1_000));
    // An empty answer: Kannel would otherwise send the body back to the phone as an SMS.
    return '';
  }

  @Get('dlr')
  async deliveryReport(
    @Query('n') notificationId: string | undefined,
    @Query('s') signature: string | undefined,
    @Query('type') type: string | undefined,
  ): Promise<string> {
    const secret = this.config.KANNEL_INBOUND_SECRET;
    if (
      !secret ||
      !notificationId ||
      !UUID.test(notificationId) ||
      !signature ||
      !verifyCallbackSignature(secret, 'dlr', notificationId, signature)
    ) {
      throw new ProblemException(
        404,
        'not-found',
        'Not found',
        'No delivery report is expected at this address.',
      );
    }
    const kind = Number(type);
    if (!Number.isInteger(kind)) {
      throw new ProblemException(
        400,
        'validation',
        'Invalid request',
        'The report type is not a number.',
        {
          'invalid-params': [{ name: '/query/type', reason: "must be Kannel's %d report type" }],
        },
      );
    }
    if (kind & KANNEL_DLR.delivered) await this.inbound.receipt('kannel', notificationId, true);
    else if (kind & (KANNEL_DLR.failed | KANNEL_DLR.rejected))
      await this.inbound.receipt('kannel', notificationId, false);
    return 'ok';
  }

  private authenticate(authorization: string | undefined): void {
    const secret = this.config.KANNEL_INBOUND_SECRET;
    const encoded = /^Basic\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const given = encoded ? Buffer.from(encoded, 'base64').toString('utf8') : undefined;
    if (
      secret === undefined ||
      given === undefined ||
      !constantTimeEqual(given, `kannel:${secret}`)
    ) {
      throw new ProblemException(
        401,
        'unauthenticated',
        'Authentication required',
        'Kannel authenticates with HTTP basic auth as user "kannel".',
        {},
        { 'www-authenticate': 'Basic realm="beacon-sms"' },
      );
    }
  }
}
