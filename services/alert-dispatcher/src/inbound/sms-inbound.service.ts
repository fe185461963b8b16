import { Injectable, Logger } from '@nestjs/common';
import { Acknowledgements, type SmsAckOutcome } from '../acknowledgements/acknowledgements.service';
import { type SmsInbound, type SmsProvider } from '../channels/sms/sms-provider';
import { DeliveryReceipts } from '../deliveries/delivery-receipts.service';

/**
 * What comes back from phones, over SMPP or Kannel: receipts and replies. Log lines name the
 * outcome, never the number or the text.
 */
@Injectable()
export class SmsInboundService implements SmsInbound {
  private readonly logger = new Logger(SmsInboundService.name);

  constructor(
    private readonly receipts: DeliveryReceipts,
    private readonly acknowledgements: Acknowledgements,
  ) {}

  async receipt(
    provider: SmsProvider['name'],
    reference: string,
    delivered: boolean,
  ): Promise<void> {
    await this.receipts.record(provider, reference, delivered);
  }

  async reply(provider: SmsProvider['name'], from: string, text: string): Promise<void> {
    const result: SmsAckOutcome = await this.acknowledgements.bySms(from, text);
    switch (result.outcome) {
      case 'acknowledged':
      case 'already-acknowledged':
        return;
      case 'closed':
        this.logger.log(
          `SMS reply via ${provider} for alert ${result.alertId}, already ${result.status}`,
        );
        return;
      case 'not-an-ack':
      case 'unknown-code':
      case 'unknown-sender':
      case 'not-found':
        this.logger.warn(
          `SMS reply via ${provider} not taken as an acknowledgement: ${result.outcome}`,
        );
        return;
    }
  }
}
