import { renderSms } from '@beacon/alerting-domain';
import { Logger } from '@nestjs/common';
import {
  ChannelError,
  describeFailure,
  type DeliveryChannel,
  type OutgoingMessage,
  type SendResult,
} from '../channel';
import { type SmsProvider } from './sms-provider';

/**
 * The SMS channel: the text rendered once, then each provider in order until one takes it,
 * so an SMSC bind that is down moves the page to the HTTP gateway (or back) at once.
 */
export class SmsChannel implements DeliveryChannel {
  readonly name = 'sms' as const;
  private readonly logger = new Logger(SmsChannel.name);

  constructor(private readonly providers: readonly SmsProvider[]) {}

  async send(message: OutgoingMessage): Promise<SendResult> {
    const sms = renderSms(message.facts, message.locale);
    const failures: string[] = [];
    for (const provider of this.providers) {
      try {
        const result = await provider.send(message.address, sms, message.notificationId);
        if (failures.length > 0) {
          this.logger.warn(
            `notification ${message.notificationId} failed over to ${provider.name} after ${failures.join(', ')}`,
          );
        }
        return { provider: provider.name, ...result };
      } catch (error) {
        failures.push(`${provider.name} ${describeFailure(error).code}`);
      }
    }
    throw new ChannelError(
      'SMS_NO_PROVIDER',
      `every SMS provider failed: ${failures.join(', ') || 'none configured'}`,
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.providers.map((p) => p.close()));
  }
}
