import {
  caseRefOf,
  initialChannels,
  planIncidentNotification,
  type DeliveryMode,
  type MessageFacts,
  type MessageKind,
  type Recipient,
  type TierRecipients,
} from '@beacon/alerting-domain';
import { type PoolClient } from '@beacon/persistence';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ChannelRegistry } from '../channels/channel-registry.service';
import { NotificationsRepository } from '../deliveries/notifications.repository';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../dispatcher.config';
import { IncidentPagesRepository } from '../incidents/incident-pages.repository';
import { type AlertRow } from './alerts.repository';

type AlertFacts = Pick<
  AlertRow,
  'alert_id' | 'case_id' | 'incident_id' | 'urgency' | 'ack_code' | 'event_code'
>;

/**
 * Turns "page this tier about this alert" into queued messages: one per recipient, on the
 * channels this dispatcher can deliver, grouped by incident so the cases of one raid page
 * each person once and send one update, not one page per case.
 */
@Injectable()
export class AlertNotifier {
  private readonly logger = new Logger(AlertNotifier.name);

  constructor(
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
    private readonly notifications: NotificationsRepository,
    private readonly incidentPages: IncidentPagesRepository,
    private readonly channels: ChannelRegistry,
  ) {}

  factsFor(alert: AlertFacts, kind: MessageKind, casesInIncident?: number): MessageFacts {
    return {
      kind,
      urgency: alert.urgency,
      eventCode: alert.event_code ?? 'DET',
      caseRef: caseRefOf(alert.case_id),
      ackCode: alert.ack_code ?? '0000',
      consoleUrl: `${this.config.PUBLIC_CONSOLE_URL.replace(/\/+$/, '')}/cases/${alert.case_id}`,
      ...(casesInIncident !== undefined && casesInIncident > 1 ? { casesInIncident } : {}),
    };
  }

  /** Pages every recipient of a tier; returns how many messages were queued now. */
  async notifyTier(
    client: PoolClient,
    alert: AlertFacts,
    tier: TierRecipients,
    tierIndex: number,
    kind: 'alert' | 'escalation',
    now: Date,
  ): Promise<number> {
    let queued = 0;
    for (const recipient of tier.recipients) {
      if (!alert.incident_id) {
        queued += await this.queue(
          client,
          alert,
          recipient,
          tier.delivery,
          tierIndex,
          this.factsFor(alert, kind),
          now,
        );
        continue;
      }
      const purpose = `page:${tierIndex}`;
      const row = await this.incidentPages.lock(client, alert.incident_id, recipient.id, purpose);
      const { plan, state } = planIncidentNotification(
        row?.state,
        alert.case_id,
        now,
        this.config.INCIDENT_WINDOW_MS,
      );
      const key = {
        incidentId: alert.incident_id,
        recipientId: recipient.id,
        purpose,
        alertId: alert.alert_id,
      };
      switch (plan.action) {
        case 'page-now':
          await this.incidentPages.save(client, key, state, {
            recipient,
            delivery: tier.delivery,
            tier: tierIndex,
          });
          queued += await this.queue(
            client,
            alert,
            recipient,
            tier.delivery,
            tierIndex,
            this.factsFor(alert, kind, plan.casesInIncident),
            now,
          );
          break;
        case 'hold-for-update':
        case 'join-held-update':
          await this.incidentPages.save(client, key, state, {
            recipient,
            delivery: tier.delivery,
            tier: tierIndex,
          });
          break;
        case 'already-notified':
          break;
      }
    }
    return queued;
  }

  /** Queues one message to one recipient; 0 when none of their channels can be delivered here. */
  async queue(
    client: PoolClient,
    alert: Pick<AlertRow, 'alert_id' | 'case_id'>,
    recipient: Recipient,
    delivery: DeliveryMode,
    tierIndex: number,
    facts: MessageFacts,
    now: Date,
  ): Promise<number> {
    const deliverable: Recipient = {
      ...recipient,
      channels: recipient.channels.filter((c) => this.channels.has(c.channel)),
      fallbacks: recipient.fallbacks.filter((c) => this.channels.has(c.channel)),
    };
    if (deliverable.channels.length === 0 && deliverable.fallbacks.length > 0) {
      deliverable.channels = deliverable.fallbacks.splice(0, 1);
    }
    const channels = initialChannels(deliverable, delivery);
    if (channels.length === 0) {
      this.logger.warn(
        `recipient ${recipient.id} has no channel this dispatcher can deliver on (alert ${alert.alert_id})`,
      );
      return 0;
    }
    const ids = await this.notifications.enqueue(
      client,
      {
        alertId: alert.alert_id,
        caseId: alert.case_id,
        recipientId: recipient.id,
        locale: recipient.locale,
        tier: tierIndex,
        facts,
        plan: { channels: deliverable.channels, fallbacks: deliverable.fallbacks },
        channels,
      },
      now,
    );
    return ids.length > 0 ? 1 : 0;
  }
}
