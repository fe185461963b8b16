import { renderEmail, type Locale, type MessageFacts } from '@beacon/alerting-domain';
import nodemailer, { type Transporter } from 'nodemailer';

export interface ChannelResult {
  providerMessageId?: string;
}

export interface DeliveryChannel {
  readonly name: 'email' | 'sms' | 'webhook';
  send(address: string, locale: Locale, facts: MessageFacts): Promise<ChannelResult>;
  close(): void;
}

/** E-mail through any SMTP server; the message carries a pointer to the case, never the case. */
export class EmailChannel implements DeliveryChannel {
  readonly name = 'email' as const;
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    const url = new URL(smtpUrl);
    this.transport = nodemailer.createTransport({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 25)),
      secure: url.protocol === 'smtps:',
      ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
      connectionTimeout: 5_000,
      greetingTimeout: 5_000,
      socketTimeout: 10_000,
      // Local relays and test servers often speak plain SMTP; upgrade when offered.
      ignoreTLS: url.searchParams.get('tls') === 'off',
      tls: { rejectUnauthorized: url.searchParams.get('tls') !== 'insecure' },
    });
  }

  async send(address: string, locale: Locale, facts: MessageFacts): Promise<ChannelResult> {
    const message = renderEmail(facts, locale);
    const info = (await this.transport.sendMail({
      from: this.from,
      to: address,
      subject: message.subject,
      text: message.text,
      html: message.html,
    })) as { messageId?: string };
    return info.messageId ? { providerMessageId: info.messageId } : {};
  }

  close(): void {
    this.transport.close();
  }
}
