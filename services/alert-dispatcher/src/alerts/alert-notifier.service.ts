import {
  caseRefOf,
  initialChannels,
  type Channel,
  planIncidentNotification,
  type IncidentNotifyState,
  type DeliveryMode,
  type MessageFacts,
  type MessageKind,
  type Recipient,
  type TierRecipients,
} from '@beacon/alerting-domain';
import {
  currentTrace,
  formatTraceparent,
  type TraceContext,
  withTrace,
} from '@beacon/observability';
import { type PoolClient } from '@beacon/persistence';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { runWrites, type Write } from '../statements';
import { ChannelRegistry } from '../channels/channel-registry.service';
import {
  NotificationsRepository,
  type NewMessage,
  type QueuedMessage,
} from '../deliveries/notifications.repository';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../dispatcher.config';
import {
  incidentPageKey,
  IncidentPagesRepository,
  type IncidentPageSave,
} from '../incidents/incident-pages.repository';
import { type AlertRow } from './alerts.repository';

type AlertFacts = Pick<
  AlertRow,
  'alert_id' | 'case_id' | 'incident_id' | 'urgency' | 'ack_code' | 'event_code'
>;

/** A queued notification: which row, on which channel. */
export interface QueuedRow {
  notificationId: string;
  channel: Channel;
  recipientId: string;
}

/** "Page this tier about this alert", with the trace its messages continue (the current one by default). */
export interface TierPage {
  alert: AlertFacts;
  tier: TierRecipients;
  tierIndex: number;
  kind: 'alert' | 'escalation';
  now: Date;
  trace?: TraceContext;
}

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
    return this.notifyTiers(client, [{ alert, tier, tierIndex, kind, now }]);
  }

  /** `notifyTier` for several alerts at once; see `planTiers`. */
  async notifyTiers(client: PoolClient, pages: readonly TierPage[]): Promise<number> {
    const { writes, queued } = await this.planTiers(client, pages);
    await runWrites(client, writes);
    return queued;
  }

  /**
   * What paging several alerts' tiers writes, as one decision batch raises them: the incident
   * rows of all of them are locked and read together and planned in order (a later case of the
   * same incident sees the earlier one's page); the incident rows and the queued messages come
   * back as writes, for the caller to make with its own in one statement.
   */
  async planTiers(
    client: PoolClient,
    pages: readonly TierPage[],
  ): Promise<{ writes: (Write | null)[]; queued: number; rows: QueuedRow[] }> {
    const keys = pages.flatMap(({ alert, tier, tierIndex }) =>
      alert.incident_id
        ? tier.recipients.map((r) => ({
            incidentId: alert.incident_id as string,
            recipientId: r.id,
            purpose: `page:${tierIndex}`,
          }))
        : [],
    );
    const rows = await this.incidentPages.lockMany(client, keys);
    const states = new Map<string, IncidentNotifyState>();
    for (const [key, row] of rows) states.set(key, row.state);
    const saves = new Map<string, IncidentPageSave>();
    const messages: QueuedMessage[] = [];
    for (const page of pages) {
      const { alert, tier, tierIndex, kind, now } = page;
      const trace = page.trace ?? currentTrace();
      const send = (recipient: Recipient, facts: MessageFacts) => {
        const prepare = () => this.prepare(alert, recipient, tier.delivery, tierIndex, facts);
        const message = trace ? withTrace(trace, prepare) : prepare();
        if (message)
          messages.push({
            ...message,
            traceparent: trace ? formatTraceparent(trace) : null,
            originAt: trace?.eventTime ?? null,
          });
      };
      for (const recipient of tier.recipients) {
        if (!alert.incident_id) {
          send(recipient, this.factsFor(alert, kind));
          continue;
        }
        const key = {
          incidentId: alert.incident_id,
          recipientId: recipient.id,
          purpose: `page:${tierIndex}`,
        };
        const id = incidentPageKey(key);
        const { plan, state } = planIncidentNotification(
          states.get(id),
          alert.case_id,
          now,
          this.config.INCIDENT_WINDOW_MS,
          alert.alert_id,
        );
        if (plan.action === 'already-notified') continue;
        states.set(id, state);
        saves.set(id, {
          // The row keeps the alert that created it.
          key: { ...key, alertId: saves.get(id)?.key.alertId ?? alert.alert_id },
          state,
          held: { recipient, delivery: tier.delivery, tier: tierIndex },
        });
        if (plan.action === 'page-now')
          send(recipient, this.factsFor(alert, kind, plan.casesInIncident));
      }
    }
    // The pages of one call are decided at one instant.
    const { write, ids } = this.notifications.enqueueManyWrite(
      messages,
      pages[0]?.now ?? new Date(),
    );
    return {
      writes: [this.incidentPages.saveManyWrite([...saves.values()]), write],
      queued: messages.length,
      rows: messages.flatMap((message, i) =>
        message.channels.map((c, j) => ({
          notificationId: ids[i]?.[j] ?? '',
          channel: c.channel,
          recipientId: message.recipientId,
        })),
      ),
    };
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
    const message = this.prepare(alert, recipient, delivery, tierIndex, facts);
    if (!message) return 0;
    const ids = await this.notifications.enqueue(client, message, now);
    return ids.length > 0 ? 1 : 0;
  }

  /** The message to one recipient on the channels this dispatcher can deliver; null when none. */
  private prepare(
    alert: Pick<AlertRow, 'alert_id' | 'case_id'>,
    recipient: Recipient,
    delivery: DeliveryMode,
    tierIndex: number,
    facts: MessageFacts,
  ): NewMessage | null {
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
      return null;
    }
    return {
      alertId: alert.alert_id,
      caseId: alert.case_id,
      recipientId: recipient.id,
      locale: recipient.locale,
      tier: tierIndex,
      facts,
      plan: { channels: deliverable.channels, fallbacks: deliverable.fallbacks },
      channels,
    };
  }
}
