import { type Channel, type Locale, type MessageFacts } from '@beacon/alerting-domain';

/** One message on one channel to one recipient, as the delivery worker hands it over. */
export interface OutgoingMessage {
  notificationId: string;
  alertId: string;
  recipientId: string;
  address: string;
  locale: Locale;
  facts: MessageFacts;
}

export interface SendResult {
  /** Which provider took it: 'smtp', 'smpp', 'kannel', 'webhook'. */
  provider: string;
  /** The provider's id for it, which its delivery receipt will quote. */
  providerMessageId?: string;
  /** The recipient's own endpoint confirmed receipt (a webhook's 2xx). */
  delivered?: boolean;
}

export interface DeliveryChannel {
  readonly name: Channel;
  send(message: OutgoingMessage): Promise<SendResult>;
  close(): Promise<void>;
}

/**
 * A send that did not happen. The code goes into notification-failed events; messages are
 * written by us, never copied from a provider's reply, which may echo addresses or text.
 */
export class ChannelError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}

/** The error code and a scrubbed message, safe for events and logs. */
export function describeFailure(reason: unknown): { code: string; message: string } {
  if (reason instanceof ChannelError) return { code: reason.code, message: reason.message };
  const code =
    reason instanceof Error && 'code' in reason && typeof reason.code === 'string'
      ? reason.code
      : 'ERROR';
  const raw = reason instanceof Error ? reason.message : 'unknown error';
  // Provider and socket errors can echo addresses or numbers back; those stay out.
  const message = raw
    .replace(/[^\s<>]+@[^\s<>]+/g, '<address>')
    .replace(/\+?\d[\d\s()-]{6,}\d/g, '<number>')
    .slice(0, 160);
  return { code, message };
}
