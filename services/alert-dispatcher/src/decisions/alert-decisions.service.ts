import {
  caseRefOf,
  decideAlert,
  eventCodeOf,
  recipientsForTier,
  type MessageFacts,
  type CaseFactEventName,
  type Recipient,
} from '@beacon/alerting-domain';
import { assessUrgency, evolve, initialCaseState, type CaseState } from '@beacon/case-domain';
import {
  type CaseEvent,
  createEvent,
  decodeFromKafka,
  encodeForKafka,
  eventNameOf,
  type EventData,
  type EventName,
  LIFECYCLE_EVENT_NAMES,
  type Urgency,
} from '@beacon/events';
import { type IncomingRecord } from '@beacon/kafka';
import { CheckpointStore, type Outbox, withTransaction, type Pool, type PoolClient } from '@beacon/persistence';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { type RoutingService } from '../routing/routing.service';

const SOURCE = '/beacon/alert-dispatcher';
/** Further cases of an incident within this window join the first page instead of paging again. */
const INCIDENT_WINDOW_MS = 60_000;

interface OpenAlert {
  alert_id: string;
  case_id: string;
  urgency: Urgency;
}

export interface DecisionContext {
  pool: Pool;
  outbox: Outbox;
  topic: string;
  consumer: string;
  consoleUrl: string;
  routing: RoutingService;
  channels: ReadonlySet<string>;
  clock?: () => Date;
}

/**
 * Folds case events into the dispatcher's own case state and decides, in the same
 * transaction as the checkpoint: alert rows, notification rows and lifecycle events. Nothing
 * is sent here; a replay finds its decisions already made and makes none again.
 */
export class AlertDecisions {
  private readonly logger = new Logger(AlertDecisions.name);
  private readonly checkpoints: CheckpointStore;
  private readonly clock: () => Date;

  constructor(private readonly ctx: DecisionContext) {
    this.checkpoints = new CheckpointStore('alerting', ctx.consumer);
    this.clock = ctx.clock ?? (() => new Date());
  }

  storedOffsets(topic: string): Promise<Map<number, string>> {
    return this.checkpoints.load(this.ctx.pool, topic);
  }

  async apply(topic: string, partition: number, records: readonly IncomingRecord[]): Promise<{ decided: number }> {
    return withTransaction(this.ctx.pool, async (client) => {
      const next = await this.checkpoints.lock(client, topic, partition);
      const fresh = records.filter((r) => BigInt(r.offset) >= next);
      const last = records[records.length - 1];
      if (fresh.length === 0 || !last) return { decided: 0 };
      // Undecodable records are the projector's to dead-letter; here they are only passed over.
      const events = fresh.flatMap((r) => {
        const decoded = decodeFromKafka(r);
        return decoded.ok ? [decoded.event] : [];
      });
      let decided = 0;
      if (events.length > 0) decided = await this.decide(client, events);
      await this.checkpoints.advance(client, topic, partition, BigInt(last.offset) + 1n);
      return { decided };
    });
  }

  private async decide(client: PoolClient, events: CaseEvent[]): Promise<number> {
    const caseIds = [...new Set(events.map((e) => e.subject))];
    const { rows } = await client.query<{ case_id: string; state: CaseState }>(
      `SELECT case_id, state FROM alerting.case_states WHERE case_id = ANY($1::uuid[]) FOR UPDATE`,
      [caseIds],
    );
    const states = new Map(rows.map((r) => [r.case_id, r.state]));
    const { rows: open } = await client.query<OpenAlert>(
      `SELECT alert_id, case_id, urgency FROM alerting.alerts WHERE case_id = ANY($1::uuid[]) AND status = 'open'`,
      [caseIds],
    );
    const openAlerts = new Map(open.map((a) => [a.case_id, a]));
    const now = this.clock();
    let decisions = 0;
    for (const event of events) {
      const before = states.get(event.subject) ?? initialCaseState(event.subject);
      const after = evolve(before, event);
      states.set(event.subject, after);
      const previous = assessUrgency(before, now);
      const current = assessUrgency(after, now);
      const outcomes = decideAlert(
        {
          caseId: event.subject,
          incidentId: after.incidentId,
          region: after.region,
          urgency: current.urgency,
          previousUrgency: previous.urgency,
          custody: after.custody,
          previousCustody: before.custody,
        },
        openAlerts.get(event.subject) ?? null,
      );
      for (const outcome of outcomes) {
        switch (outcome.kind) {
          case 'raise': {
            const alert = await this.raise(client, event, after, { ...outcome, previousUrgency: previous.urgency }, now);
            if (alert) {
              openAlerts.set(event.subject, alert);
              decisions += 1;
            }
            break;
          }
          case 'resolve': {
            const alert = openAlerts.get(event.subject);
            if (alert) {
              await this.resolve(client, event, alert, outcome.reason, now);
              openAlerts.delete(event.subject);
              decisions += 1;
            }
            break;
          }
          case 'stand-down':
          case 'follow-up':
          case 'none':
            break;
        }
      }
    }
    await client.query(
      `INSERT INTO alerting.case_states (case_id, state, urgency, updated_at)
       SELECT * FROM UNNEST($1::uuid[], $2::jsonb[], $3::text[], $4::timestamptz[])
       ON CONFLICT (case_id) DO UPDATE SET state = EXCLUDED.state, urgency = EXCLUDED.urgency, updated_at = EXCLUDED.updated_at`,
      [
        caseIds,
        caseIds.map((id) => JSON.stringify(states.get(id))),
        caseIds.map((id) => assessUrgency(states.get(id) ?? initialCaseState(id), now).urgency),
        caseIds.map(() => now),
      ],
    );
    return decisions;
  }

  private async raise(
    client: PoolClient,
    trigger: CaseEvent,
    state: CaseState,
    decision: { dedupKey: string; rule: string; urgency: Urgency; previousUrgency: Urgency },
    now: Date,
  ): Promise<OpenAlert | null> {
    const alertId = randomUUID();
    const inserted = await client.query(
      `INSERT INTO alerting.alerts (alert_id, dedup_key, case_id, incident_id, region, rule, urgency, raised_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedup_key) WHERE status = 'open' DO NOTHING`,
      [alertId, decision.dedupKey, trigger.subject, state.incidentId, state.region, decision.rule, decision.urgency, now],
    );
    if (inserted.rowCount !== 1) return null;
    // A rise from high to critical replaces the open high alert.
    await client.query(
      `UPDATE alerting.alerts SET status = 'superseded', resolved_at = $3 WHERE case_id = $1 AND status = 'open' AND alert_id <> $2`,
      [trigger.subject, alertId, now],
    );
    await this.emit(client, 'alert-raised', trigger.subject, state.incidentId, now, {
      alertId,
      dedupKey: decision.dedupKey,
      rule: decision.rule,
      urgency: decision.urgency,
      previousUrgency: decision.previousUrgency,
      region: state.region ?? 'unknown',
      ...(state.incidentId ? { incidentId: state.incidentId } : {}),
    });
    await this.planNotifications(client, alertId, trigger, state, decision.urgency, now);
    return { alert_id: alertId, case_id: trigger.subject, urgency: decision.urgency };
  }

  private async planNotifications(
    client: PoolClient,
    alertId: string,
    trigger: CaseEvent,
    state: CaseState,
    urgency: Urgency,
    now: Date,
  ): Promise<void> {
    const factName = eventNameOf(trigger);
    if (!state.region || isLifecycle(factName)) return;
    const tier = recipientsForTier(this.ctx.routing.config, state.region, urgency, 0, now);
    if (!tier) {
      this.logger.warn(`no routing for region ${state.region} at ${urgency}: alert ${alertId} is on the console only`);
      return;
    }
    const facts: MessageFacts = {
      kind: 'alert',
      urgency,
      eventCode: eventCodeOf(factName),
      caseRef: caseRefOf(trigger.subject),
      ackCode: caseRefOf(trigger.subject).replace(/\D/g, '').slice(-4),
      consoleUrl: `${this.ctx.consoleUrl}/cases/${trigger.subject}`,
    };
    for (const recipient of tier.recipients) {
      if (state.incidentId && !(await this.firstPageOfIncident(client, state.incidentId, recipient, alertId, now))) continue;
      await this.queue(client, alertId, trigger.subject, recipient, facts, now);
    }
  }

  /** True when this recipient has not been paged about the incident in the last minute. */
  private async firstPageOfIncident(client: PoolClient, incidentId: string, recipient: Recipient, alertId: string, now: Date) {
    const { rowCount } = await client.query(
      `INSERT INTO alerting.incident_pages (incident_id, recipient_id, alert_id, paged_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (incident_id, recipient_id) DO UPDATE SET alert_id = EXCLUDED.alert_id, paged_at = EXCLUDED.paged_at
       WHERE incident_pages.paged_at < $4::timestamptz - make_interval(secs => $5)`,
      [incidentId, recipient.id, alertId, now, INCIDENT_WINDOW_MS / 1000],
    );
    return rowCount === 1;
  }

  private async queue(client: PoolClient, alertId: string, caseId: string, recipient: Recipient, facts: MessageFacts, now: Date) {
    const usable = recipient.channels.filter((c: Recipient['channels'][number]) => this.ctx.channels.has(c.channel));
    if (usable.length === 0) {
      this.logger.warn(`recipient ${recipient.id} has no channel this dispatcher can deliver on`);
      return;
    }
    // Every configured channel at once: critical pages go by e-mail and SMS together.
    for (const { channel, address } of usable) {
      await client.query(
        `INSERT INTO alerting.notifications (notification_id, alert_id, case_id, recipient_id, channel, address, locale, tier,
           facts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)`,
        [randomUUID(), alertId, caseId, recipient.id, channel, address, recipient.locale, JSON.stringify(facts), now],
      );
    }
  }

  private async resolve(client: PoolClient, trigger: CaseEvent, alert: OpenAlert, reason: 'urgency-dropped', now: Date) {
    await client.query(
      `UPDATE alerting.alerts SET status = 'resolved', resolved_at = $2 WHERE alert_id = $1 AND status = 'open'`,
      [alert.alert_id, now],
    );
    await client.query(
      `UPDATE alerting.notifications SET status = 'cancelled' WHERE alert_id = $1 AND status = 'pending'`,
      [alert.alert_id],
    );
    await this.emit(client, 'alert-resolved', trigger.subject, null, now, { alertId: alert.alert_id, reason });
  }

  private async emit<N extends EventName>(
    client: PoolClient,
    name: N,
    caseId: string,
    incidentId: string | null,
    now: Date,
    data: EventData<N>,
  ): Promise<void> {
    const event = createEvent(name, {
      id: randomUUID(),
      caseId,
      time: now,
      occurredAt: now,
      source: SOURCE,
      ...(incidentId ? { incidentId } : {}),
      data,
    });
    await this.ctx.outbox.append(client, [{ eventId: event.id, topic: this.ctx.topic, ...encodeForKafka(event) }]);
  }
}

function isLifecycle(name: EventName): name is Exclude<EventName, CaseFactEventName> {
  return (LIFECYCLE_EVENT_NAMES as readonly EventName[]).includes(name);
}

export { emitLifecycleEvent };

/** Shared by the delivery worker: lifecycle events go through the same outbox. */
async function emitLifecycleEvent<N extends EventName>(
  client: PoolClient,
  outbox: Outbox,
  topic: string,
  name: N,
  caseId: string,
  now: Date,
  data: EventData<N>,
): Promise<void> {
  const event = createEvent(name, { id: randomUUID(), caseId, time: now, occurredAt: now, source: SOURCE, data });
  await outbox.append(client, [{ eventId: event.id, topic, ...encodeForKafka(event) }]);
}
