import { parseAckReply } from '@beacon/alerting-domain';
import { withRetriedTransaction, type Pool } from '@beacon/persistence';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertsRepository } from '../alerts/alerts.repository';
import { NotificationsRepository } from '../deliveries/notifications.repository';
import { ALERTING_POOL } from '../dispatcher.tokens';
import { EscalationsRepository } from '../escalation/escalations.repository';
import { EventsRelay } from '../events/events-relay.service';
import { LifecycleEvents } from '../events/lifecycle-events.service';
import { DispatcherMetrics } from '../observability/dispatcher-metrics.service';

export type AckVia = 'email-link' | 'sms' | 'console' | 'api';

export type AckOutcome =
  | {
      outcome: 'acknowledged';
      alertId: string;
      alertIds: string[];
      by: string;
      via: AckVia;
      at: Date;
    }
  | {
      outcome: 'already-acknowledged';
      alertId: string;
      by: string | null;
      via: string | null;
      at: Date;
    }
  | { outcome: 'closed'; alertId: string; status: string }
  | { outcome: 'not-found' };

export type SmsAckOutcome =
  | AckOutcome
  | { outcome: 'not-an-ack' }
  | { outcome: 'unknown-code' }
  | { outcome: 'unknown-sender' };

/**
 * "I have it": acknowledging stops the escalation of the alert and of the other open alerts
 * of its incident (one person has the raid, not one fifth of it), and records who, when and
 * how as alert-acknowledged events on each case.
 */
@Injectable()
export class Acknowledgements {
  private readonly logger = new Logger(Acknowledgements.name);
  clock: () => Date = () => new Date();

  constructor(
    @Inject(ALERTING_POOL) private readonly pool: Pool,
    private readonly alerts: AlertsRepository,
    private readonly escalations: EscalationsRepository,
    private readonly notifications: NotificationsRepository,
    private readonly events: LifecycleEvents,
    private readonly relay: EventsRelay,
    private readonly metrics: DispatcherMetrics,
  ) {}

  async acknowledge(alertId: string, by: string, via: AckVia): Promise<AckOutcome> {
    // A timer paging the next tier locks the escalation, then the alert; this locks the alert,
    // then the escalation. When both meet, PostgreSQL aborts one: the person's acknowledgement
    // then runs again instead of failing.
    let acknowledged: { urgency: string; raised_at: Date | string }[] = [];
    const result = await withRetriedTransaction(this.pool, async (client): Promise<AckOutcome> => {
      acknowledged = [];
      const rows = await this.alerts.lockWithIncident(client, alertId);
      const target = rows.find((r) => r.alert_id === alertId);
      if (!target) return { outcome: 'not-found' };
      if (target.status !== 'open') return { outcome: 'closed', alertId, status: target.status };
      if (target.acknowledged_at) {
        return {
          outcome: 'already-acknowledged',
          alertId,
          by: target.acknowledged_by,
          via: target.acknowledged_via,
          at: target.acknowledged_at,
        };
      }
      const now = this.clock();
      const pending = rows.filter((r) => r.status === 'open' && r.acknowledged_at === null);
      const ids = pending.map((r) => r.alert_id);
      await this.alerts.acknowledge(client, ids, by, via, now);
      await this.escalations.cancel(client, ids);
      for (const alert of pending) {
        await this.events.emit(
          client,
          'alert-acknowledged',
          alert.case_id,
          now,
          { alertId: alert.alert_id, by, via },
          alert.incident_id,
        );
      }
      acknowledged = pending;
      return { outcome: 'acknowledged', alertId, alertIds: ids, by, via, at: now };
    });
    if (result.outcome === 'acknowledged') {
      for (const alert of acknowledged) {
        this.metrics.timeToAcknowledge.observe(
          { urgency: alert.urgency },
          Math.max(0, (result.at.getTime() - new Date(alert.raised_at).getTime()) / 1000),
        );
      }
      this.relay.nudge();
      this.logger.log(
        `alert ${alertId} acknowledged via ${via} by ${by} (${result.alertIds.length} alert(s) of its incident)`,
      );
    }
    return result;
  }

  /**
   * An SMS reply. The code names the alert; the sender must be a phone we paged about it or
   * its incident, so a guessed code from an unknown number acknowledges nothing.
   */
  async bySms(from: string, text: string): Promise<SmsAckOutcome> {
    const code = parseAckReply(text);
    if (code === null) return { outcome: 'not-an-ack' };
    const client = await this.pool.connect();
    let alertId: string;
    let recipientId: string | null;
    try {
      const alert = await this.alerts.findOpenByAckCode(client, code);
      if (!alert) return { outcome: 'unknown-code' };
      alertId = alert.alert_id;
      const related = await this.alerts.lockWithIncident(client, alert.alert_id);
      recipientId = await this.notifications.recipientBySms(
        client,
        related.map((r) => r.alert_id),
        from,
      );
    } finally {
      client.release();
    }
    if (!recipientId) return { outcome: 'unknown-sender' };
    return this.acknowledge(alertId, recipientId, 'sms');
  }
}
