import { type RenderedSms } from '@beacon/alerting-domain';

/** One route to a phone: an SMPP bind to an SMSC, or an HTTP gateway such as Kannel. */
export interface SmsProvider {
  readonly name: 'smpp' | 'kannel';
  /** Throws ChannelError when this route cannot take the message now. */
  send(
    to: string,
    sms: RenderedSms,
    notificationId: string,
  ): Promise<{ providerMessageId?: string }>;
  close(): Promise<void>;
}

/** What phones and gateways send back: delivery receipts and replies. */
export interface SmsInbound {
  receipt(provider: SmsProvider['name'], reference: string, delivered: boolean): Promise<void>;
  reply(provider: SmsProvider['name'], from: string, text: string): Promise<void>;
}

/** '+77000000001' from what an SMSC or gateway reports ('77000000001', '+7 700 …'). */
export function normalisePhone(raw: string): string {
  const digits = raw.replace(/\D/g, '');
  return digits === '' ? '' : `+${digits}`;
}
