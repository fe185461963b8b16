import { type RenderedSms } from '@beacon/alerting-domain';
import { callbackSignature } from './callback-signature';
import { ChannelError } from '../channel';
import { type SmsProvider } from './sms-provider';

/** Kannel's dlr-mask bits: 1 delivered, 2 failed, 16 rejected by the SMSC. */
export const KANNEL_DLR = {
  delivered: 1,
  failed: 2,
  buffered: 4,
  smscAck: 8,
  rejected: 16,
} as const;

export interface KannelOptions {
  sendsmsUrl: string;
  sender: string;
  timeoutMs: number;
  /** Where Kannel reports delivery, and the secret that signs each report's reference. */
  callback: { baseUrl: string; secret: string } | null;
}

/**
 * SMS through Kannel's HTTP sendsms interface, the gateway NGO deployments run in front of
 * their operators' SMSCs. Kannel splits long texts itself (the sendsms-user needs
 * max-messages ≥ 3) and reports delivery to a signed URL of ours.
 */
export class KannelChannel implements SmsProvider {
  readonly name = 'kannel' as const;
  private readonly endpoint: URL;
  private readonly username: string;
  private readonly password: string;

  constructor(private readonly options: KannelOptions) {
    const url = new URL(options.sendsmsUrl);
    this.username = decodeURIComponent(url.username);
    this.password = decodeURIComponent(url.password);
    url.username = '';
    url.password = '';
    this.endpoint = url;
  }

  /** The sendsms request for one message; credentials go in the query, as Kannel expects. */
  requestUrl(to: string, sms: RenderedSms, notificationId: string): URL {
    const url = new URL(this.endpoint);
    const params = url.searchParams;
    params.set('username', this.username);
    params.set('password', this.password);
    params.set('from', this.options.sender);
    params.set('to', to);
    params.set('text', sms.text);
    params.set('charset', 'UTF-8');
    params.set('coding', sms.encoding === 'UCS2' ? '2' : '0');
    if (this.options.callback) {
      const { baseUrl, secret } = this.options.callback;
      const dlr = new URL('/v1/sms/kannel/dlr', baseUrl);
      dlr.searchParams.set('n', notificationId);
      dlr.searchParams.set('s', callbackSignature(secret, 'dlr', notificationId));
      // Kannel substitutes %d with the report type; it must reach Kannel unescaped.
      params.set(
        'dlr-mask',
        String(KANNEL_DLR.delivered | KANNEL_DLR.failed | KANNEL_DLR.rejected),
      );
      params.set('dlr-url', `${dlr.toString()}&type=%d`);
    }
    return url;
  }

  async send(
    to: string,
    sms: RenderedSms,
    notificationId: string,
  ): Promise<{ providerMessageId?: string }> {
    let response: Response;
    try {
      response = await fetch(this.requestUrl(to, sms, notificationId), {
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new ChannelError(cause ?? 'KANNEL_UNREACHABLE', 'Kannel sendsms unreachable');
    }
    await response.text().catch(() => '');
    // 202 "Accepted for delivery" or "Queued for later delivery"; anything else was refused.
    if (response.status !== 202 && response.status !== 200) {
      throw new ChannelError(
        `KANNEL_HTTP_${response.status}`,
        `Kannel refused the message (${response.status})`,
      );
    }
    return { providerMessageId: notificationId };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
