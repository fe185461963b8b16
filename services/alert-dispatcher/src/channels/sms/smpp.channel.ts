import { type RenderedSms } from '@beacon/alerting-domain';
import { Logger } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { connect, type PDU, type Session } from 'smpp';
import { ChannelError } from '../channel';
import { normalisePhone, type SmsInbound, type SmsProvider } from './sms-provider';
import { smppAddress, submitParts, type Concatenation } from './smpp-message.encoder';

const RECEIPT_MASK = 0x3c;
const DELIVERED_STATE = 2;
const FINAL_FAILURE_STATES: ReadonlySet<number> = new Set([3, 4, 5, 8]);

export interface SmppOptions {
  url: string;
  sender: string;
  concatenation: Concatenation;
  timeoutMs: number;
  inbound: SmsInbound;
}

interface Receipt {
  reference: string;
  delivered: boolean | null;
}

/** What a deliver_sm delivery receipt says: the message id and whether it reached the phone. */
export function parseReceipt(pdu: PDU): Receipt | null {
  const text = messageText(pdu);
  const tlvId =
    typeof pdu.receipted_message_id === 'string'
      ? pdu.receipted_message_id.replace(/\0+$/, '')
      : null;
  const reference = tlvId ?? /\bid:(\S+)/i.exec(text)?.[1] ?? null;
  if (!reference) return null;
  const state = typeof pdu.message_state === 'number' ? pdu.message_state : null;
  const stat = /\bstat:(\w+)/i.exec(text)?.[1]?.toUpperCase();
  let delivered: boolean | null = null;
  if (state === DELIVERED_STATE || stat === 'DELIVRD') delivered = true;
  else if (
    (state !== null && FINAL_FAILURE_STATES.has(state)) ||
    (stat && ['EXPIRED', 'DELETED', 'UNDELIV', 'REJECTD'].includes(stat))
  ) {
    delivered = false;
  }
  return { reference, delivered };
}

function messageText(pdu: PDU): string {
  const body = pdu.short_message as { message?: unknown } | Buffer | string | undefined;
  if (typeof body === 'string') return body;
  if (body && !Buffer.isBuffer(body) && typeof body.message === 'string') return body.message;
  const payload = pdu.message_payload as { message?: unknown } | undefined;
  if (payload && typeof payload.message === 'string') return payload.message;
  return '';
}

/**
 * SMS over SMPP 3.4: one transceiver bind kept open (enquire_link keeps it alive, a lost bind
 * reconnects with backoff), submit_sm per part with delivery receipts requested, and
 * deliver_sm back for receipts and for officers' replies ('ACK 4821').
 */
export class SmppChannel implements SmsProvider {
  readonly name = 'smpp' as const;
  private readonly logger = new Logger(SmppChannel.name);
  private session: Session | null = null;
  private bound = false;
  private closed = false;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly credentials: { system_id: string; password: string };

  constructor(private readonly options: SmppOptions) {
    const url = new URL(options.url);
    this.credentials = {
      system_id: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    };
  }

  get isBound(): boolean {
    return this.bound;
  }

  start(): void {
    this.closed = false;
    this.open();
  }

  private open(): void {
    const url = new URL(this.options.url);
    const session = connect({
      host: url.hostname,
      port: Number(url.port || 2775),
      tls: url.protocol === 'ssmpp:',
      auto_enquire_link_period: 15_000,
    });
    this.session = session;
    session.on('connect', () => {
      session.bind_transceiver(
        { ...this.credentials, system_type: '', interface_version: 0x34 },
        (pdu) => {
          if (pdu.command_status === 0) {
            this.bound = true;
            this.failures = 0;
            this.logger.log('SMPP transceiver bound');
          } else {
            this.logger.error(`SMPP bind refused (status ${pdu.command_status})`);
            session.close();
          }
        },
      );
    });
    session.on('deliver_sm', (pdu: PDU) => {
      session.send(pdu.response());
      void this.onDeliver(pdu).catch((error: unknown) =>
        this.logger.error(`handling an inbound SMS failed: ${(error as Error).message}`),
      );
    });
    session.on('enquire_link', (pdu: PDU) => {
      session.send(pdu.response());
    });
    session.on('unbind', (pdu: PDU) => {
      session.send(pdu.response());
      session.close();
    });
    session.on('error', (error: Error) => {
      if (this.failures === 0)
        this.logger.warn(
          `SMPP connection error: ${(error as { code?: string }).code ?? error.message}`,
        );
    });
    session.on('close', () => {
      if (this.session !== session) return;
      this.bound = false;
      this.session = null;
      if (!this.closed) this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer) return;
    this.failures += 1;
    const delay = Math.min(10_000, 250 * 2 ** Math.min(this.failures, 6));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closed) this.open();
    }, delay);
  }

  private async onDeliver(pdu: PDU): Promise<void> {
    const esmClass = typeof pdu.esm_class === 'number' ? pdu.esm_class : 0;
    if ((esmClass & RECEIPT_MASK) !== 0) {
      const receipt = parseReceipt(pdu);
      if (receipt && receipt.delivered !== null) {
        await this.options.inbound.receipt('smpp', receipt.reference, receipt.delivered);
      }
      return;
    }
    const from = normalisePhone(typeof pdu.source_addr === 'string' ? pdu.source_addr : '');
    await this.options.inbound.reply('smpp', from, messageText(pdu));
  }

  async send(
    to: string,
    sms: RenderedSms,
    _notificationId: string,
  ): Promise<{ providerMessageId?: string }> {
    const session = this.session;
    if (!session || !this.bound)
      throw new ChannelError('SMPP_NOT_BOUND', 'no SMPP bind to the SMSC');
    const source = smppAddress(this.options.sender);
    const destination = smppAddress(to);
    const parts = submitParts(sms.text, this.options.concatenation, randomInt(0, 0x10000));
    let lastId: string | undefined;
    for (const part of parts) {
      lastId = await this.submit(session, {
        source_addr: source.addr,
        source_addr_ton: source.ton,
        source_addr_npi: source.npi,
        destination_addr: destination.addr,
        dest_addr_ton: destination.ton,
        dest_addr_npi: destination.npi,
        registered_delivery: 0x01,
        ...part,
      });
    }
    return lastId ? { providerMessageId: lastId } : {};
  }

  private submit(session: Session, fields: Record<string, unknown>): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new ChannelError(
              'SMPP_TIMEOUT',
              `no submit_sm_resp within ${this.options.timeoutMs} ms`,
            ),
          ),
        this.options.timeoutMs,
      );
      const sent = session.submit_sm(fields, (pdu) => {
        clearTimeout(timer);
        if (pdu.command_status !== 0) {
          reject(
            new ChannelError(
              `SMPP_STATUS_${pdu.command_status}`,
              `SMSC refused the message (status ${pdu.command_status})`,
            ),
          );
        } else {
          resolve(typeof pdu.message_id === 'string' ? pdu.message_id.replace(/\0+$/, '') : '');
        }
      });
      if (!sent) {
        clearTimeout(timer);
        reject(new ChannelError('SMPP_NOT_WRITABLE', 'SMPP connection not writable'));
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const session = this.session;
    if (!session) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        session.destroy();
        resolve();
      }, 1_000);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      if (this.bound) session.unbind({}, () => session.close(done));
      else session.destroy(done);
    });
    this.bound = false;
  }
}
