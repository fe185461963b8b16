import { AuditLog, type BulkReadAlert } from '@beacon/audit';
import { withTransaction, type Pool } from '@beacon/persistence';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import { smtpTransportOptions } from '../channels/email.channel';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../dispatcher.config';
import { ALERTING_POOL } from '../dispatcher.tokens';
import { bulkReadMail } from './security-alert.template';

const CURSOR = 'security-mail';

/**
 * Follows the audit log's alerts (bulk reads of identifying data) and e-mails each one to the
 * security desk (SECURITY_ALERT_EMAILS). One alert per transaction, with the cursor row locked:
 * several dispatchers never send the same alert twice, and a failed send is retried next round.
 */
@Injectable()
export class AuditAlertsWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditAlertsWorker.name);
  private readonly audit: AuditLog;
  private transport: Transporter | null = null;
  private stopped = true;
  private loop: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  sent = 0;

  constructor(
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
    @Inject(ALERTING_POOL) private readonly pool: Pool,
  ) {
    this.audit = new AuditLog(pool);
  }

  onApplicationBootstrap(): void {
    if (this.config.SECURITY_ALERT_EMAILS.length === 0) {
      this.logger.warn(
        'SECURITY_ALERT_EMAILS is not set: bulk-read alerts are shown to admins in the console only',
      );
      return;
    }
    this.stopped = false;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
    this.transport?.close();
  }

  /** Sends every alert not sent yet; returns how many it sent. */
  async pollOnce(): Promise<number> {
    let count = 0;
    while (await this.sendNext()) count += 1;
    return count;
  }

  private async sendNext(): Promise<boolean> {
    return withTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO alerting.audit_alert_cursor (consumer, last_seq) VALUES ($1, 0) ON CONFLICT DO NOTHING`,
        [CURSOR],
      );
      const { rows } = await client.query<{ last_seq: string }>(
        'SELECT last_seq FROM alerting.audit_alert_cursor WHERE consumer = $1 FOR UPDATE',
        [CURSOR],
      );
      const [alert] = await this.audit.alertsAfter(Number(rows[0]?.last_seq ?? 0), 1);
      if (!alert) return false;
      await this.send(alert);
      await client.query(
        'UPDATE alerting.audit_alert_cursor SET last_seq = $2, updated_at = now() WHERE consumer = $1',
        [CURSOR, alert.seq],
      );
      this.sent += 1;
      return true;
    });
  }

  private async send(alert: BulkReadAlert): Promise<void> {
    const mail = bulkReadMail(alert, this.config.PUBLIC_CONSOLE_URL);
    await this.mailer().sendMail({
      from: this.config.MAIL_FROM,
      to: this.config.SECURITY_ALERT_EMAILS.join(', '),
      subject: mail.subject,
      text: mail.text,
      headers: { 'X-Beacon-Audit-Alert': alert.id },
    });
    this.logger.warn(
      `bulk-read alert ${alert.id} (user ${alert.actorId}) sent to the security desk`,
    );
  }

  private mailer(): Transporter {
    if (this.transport) return this.transport;
    this.transport = nodemailer.createTransport(smtpTransportOptions(this.config.SMTP_URL));
    return this.transport;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.pollOnce();
        failures = 0;
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 20 === 0) {
          this.logger.warn(`security alert round failed, retrying: ${(error as Error).message}`);
        }
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.config.AUDIT_ALERT_POLL_MS);
      });
    }
  }
}
