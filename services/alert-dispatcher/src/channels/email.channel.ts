import { renderEmail } from '@beacon/alerting-domain';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { type AckLinks } from '../acknowledgements/ack-links.service';
import { type DeliveryChannel, type OutgoingMessage, type SendResult } from './channel';
import { composeMailMessage } from './mail-message';

/**
 * How to reach the SMTP server of `SMTP_URL` (`smtp://` or `smtps://`, credentials in the URL,
 * `?tls=off` for plain local relays, `?tls=insecure` to accept a self-signed certificate).
 */
export function smtpTransportOptions(smtpUrl: string): SMTPTransport.Options {
  const url = new URL(smtpUrl);
  const host = url.hostname;
  const port = Number(url.port || (url.protocol === 'smtps:' ? 465 : 25));
  return {
    host,
    port,
    // A message goes out as several small writes (envelope commands, then the data and its
    // terminating dot). With Nagle's algorithm on, each waits for the server's delayed
    // acknowledgement of the one before (40 ms on Linux), so a connection carried some 20
    // messages a second; without it, several hundred. TLS (smtps, STARTTLS) runs on top.
    getSocket: (_options, callback) =>
      callback(null, { connection: connect({ host, port, noDelay: true }) }),
    secure: url.protocol === 'smtps:',
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 10_000,
    // Local relays and test servers often speak plain SMTP; upgrade when offered.
    ignoreTLS: url.searchParams.get('tls') === 'off',
    tls: { rejectUnauthorized: url.searchParams.get('tls') !== 'insecure' },
  };
}

/**
 * E-mail through any SMTP server, pooled: a burst of pages reuses a few connections instead
 * of opening one per message. The message carries a pointer to the case, never the case.
 */
export class EmailChannel implements DeliveryChannel {
  readonly name = 'email' as const;
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    private readonly ackLinks: AckLinks | null,
    poolSize = 32,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.transport = nodemailer.createTransport({
      pool: true,
      maxConnections: poolSize,
      maxMessages: 500,
      ...smtpTransportOptions(smtpUrl),
    });
  }

  async send(message: OutgoingMessage): Promise<SendResult> {
    const facts =
      this.ackLinks && message.facts.kind !== 'stand-down'
        ? { ...message.facts, ackUrl: this.ackLinks.linkFor(message.notificationId, this.clock()) }
        : message.facts;
    const rendered = renderEmail(facts, message.locale);
    const content = {
      from: this.from,
      to: message.address,
      ...rendered,
      // Ids only: lets mail tooling (and the latency benchmark) tie a message to its notification.
      headers: {
        'X-Beacon-Notification': message.notificationId,
        'X-Beacon-Case-Ref': facts.caseRef,
      },
    };
    const messageId = `<${randomUUID()}@${this.from.split('@').pop() ?? 'beacon'}>`;
    const raw = composeMailMessage(content, messageId, this.clock());
    const info = (await this.transport.sendMail(
      raw === null
        ? content
        : { envelope: { from: this.from, to: [message.address] }, messageId, raw },
    )) as { messageId?: string };
    return { provider: 'smtp', ...(info.messageId ? { providerMessageId: info.messageId } : {}) };
  }

  close(): Promise<void> {
    this.transport.close();
    return Promise.resolve();
  }
}
