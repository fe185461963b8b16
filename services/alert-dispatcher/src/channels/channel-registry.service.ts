import { type Channel } from '@beacon/alerting-domain';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AckLinks } from '../acknowledgements/ack-links.service';
import { DISPATCHER_CONFIG, smsProvidersOf, type DispatcherConfig } from '../dispatcher.config';
import { SmsInboundService } from '../inbound/sms-inbound.service';
import { type DeliveryChannel } from './channel';
import { EmailChannel } from './email.channel';
import { KannelChannel } from './sms/kannel.channel';
import { SmppChannel } from './sms/smpp.channel';
import { SmsChannel } from './sms/sms.channel';
import { type SmsProvider } from './sms/sms-provider';
import { WebhookChannel } from './webhook.channel';

/** The channels this dispatcher can deliver on, built once from its configuration. */
@Injectable()
export class ChannelRegistry {
  private readonly logger = new Logger(ChannelRegistry.name);
  private readonly channels = new Map<Channel, DeliveryChannel>();
  private readonly smpp: SmppChannel | null = null;

  constructor(
    @Inject(DISPATCHER_CONFIG) config: DispatcherConfig,
    ackLinks: AckLinks,
    inbound: SmsInboundService,
  ) {
    this.channels.set(
      'email',
      new EmailChannel(
        config.SMTP_URL,
        config.MAIL_FROM,
        ackLinks.enabled ? ackLinks : null,
        config.SMTP_POOL_SIZE,
      ),
    );

    const providers: SmsProvider[] = [];
    for (const provider of smsProvidersOf(config)) {
      if (provider === 'smpp' && config.SMPP_URL) {
        this.smpp = new SmppChannel({
          url: config.SMPP_URL,
          sender: config.SMS_SENDER,
          concatenation: config.SMPP_CONCATENATION,
          timeoutMs: Math.min(config.SEND_TIMEOUT_MS, 10_000),
          inbound,
        });
        providers.push(this.smpp);
      }
      if (provider === 'kannel' && config.KANNEL_SENDSMS_URL) {
        providers.push(
          new KannelChannel({
            sendsmsUrl: config.KANNEL_SENDSMS_URL,
            sender: config.SMS_SENDER,
            timeoutMs: Math.min(config.SEND_TIMEOUT_MS, 10_000),
            callback:
              config.KANNEL_CALLBACK_URL && config.KANNEL_INBOUND_SECRET
                ? { baseUrl: config.KANNEL_CALLBACK_URL, secret: config.KANNEL_INBOUND_SECRET }
                : null,
          }),
        );
      }
    }
    if (providers.length > 0) this.channels.set('sms', new SmsChannel(providers));
    if (config.WEBHOOK_SIGNING_SECRET) {
      this.channels.set(
        'webhook',
        new WebhookChannel(config.WEBHOOK_SIGNING_SECRET, Math.min(config.SEND_TIMEOUT_MS, 10_000)),
      );
    }
    this.logger.log(
      `channels: ${[...this.channels.keys()].join(', ')}` +
        (providers.length > 0 ? ` (SMS via ${providers.map((p) => p.name).join(' then ')})` : ''),
    );
  }

  get names(): Channel[] {
    return [...this.channels.keys()];
  }

  has(channel: Channel): boolean {
    return this.channels.has(channel);
  }

  get(channel: Channel): DeliveryChannel | undefined {
    return this.channels.get(channel);
  }

  /** Whether the SMPP bind is up, for readiness; null when SMPP is not configured. */
  get smppBound(): boolean | null {
    return this.smpp ? this.smpp.isBound : null;
  }

  start(): void {
    this.smpp?.start();
  }

  async close(): Promise<void> {
    await Promise.all([...this.channels.values()].map((c) => c.close().catch(() => undefined)));
  }
}
