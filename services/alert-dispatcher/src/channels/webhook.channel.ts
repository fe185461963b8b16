import { createHmac } from 'node:crypto';
import {
  ChannelError,
  type DeliveryChannel,
  type OutgoingMessage,
  type SendResult,
} from './channel';

export const SIGNATURE_HEADER = 'beacon-signature';

/** 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', as Stripe and Slack sign theirs. */
export function webhookSignature(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/**
 * A signed POST to a partner's endpoint (a case-management system, a chat bridge). The body
 * holds the same pointer an SMS does; receivers check the signature and reject old timestamps.
 */
export class WebhookChannel implements DeliveryChannel {
  readonly name = 'webhook' as const;

  constructor(
    private readonly secret: string,
    private readonly timeoutMs: number,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(message: OutgoingMessage): Promise<SendResult> {
    const { facts } = message;
    const body = JSON.stringify({
      type: 'org.beacon.notification.v1',
      notificationId: message.notificationId,
      alertId: message.alertId,
      kind: facts.kind,
      urgency: facts.urgency,
      eventCode: facts.eventCode,
      caseRef: facts.caseRef,
      ackCode: facts.ackCode,
      consoleUrl: facts.consoleUrl,
      ...(facts.casesInIncident !== undefined ? { casesInIncident: facts.casesInIncident } : {}),
    });
    const timestamp = Math.floor(this.clock().getTime() / 1000);
    let response: Response;
    try {
      response = await fetch(message.address, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'beacon-alert-dispatcher',
          [SIGNATURE_HEADER]: webhookSignature(this.secret, timestamp, body),
          'beacon-notification-id': message.notificationId,
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new ChannelError(cause ?? 'WEBHOOK_UNREACHABLE', 'webhook endpoint unreachable');
    }
    await response.body?.cancel().catch(() => undefined);
    if (!response.ok)
      throw new ChannelError(`HTTP_${response.status}`, `webhook answered ${response.status}`);
    return { provider: 'webhook', delivered: true };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
