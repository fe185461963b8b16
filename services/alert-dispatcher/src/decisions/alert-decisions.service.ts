import {
  ackDeadline,
  decideAlert,
  eventCodeOf,
  recipientsForTier,
  type AlertDecision,
  type CaseFactEventName,
  type MessageKind,
} from '@beacon/alerting-domain';
import { assessUrgency, evolve, initialCaseState, type CaseState } from '@beacon/case-domain';
import {
  type CaseEvent,
  decodeFromKafka,
  eventNameOf,
  type EventName,
  LIFECYCLE_EVENT_NAMES,
  type LifecycleEventName,
} from '@beacon/events';
import { type IncomingRecord } from '@beacon/kafka';
import { CheckpointStore, withTransaction, type Pool, type PoolClient } from '@beacon/persistence';
import { continueTrace, enterTrace } from '@beacon/observability';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AlertNotifier } from '../alerts/alert-notifier.service';
import { AlertsRepository, type AlertRow } from '../alerts/alerts.repository';
import { NotificationsRepository } from '../deliveries/notifications.repository';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../dispatcher.config';
import { ALERTING_POOL } from '../dispatcher.tokens';
import { EscalationsRepository } from '../escalation/escalations.repository';
import { LifecycleEvents } from '../events/lifecycle-events.service';
import { RoutingService } from '../routing/routing.service';
import { DispatcherMetrics } from '../observability/dispatcher-metrics.service';
import { ReplayMarks } from './replay-marks.repository';

/** Pages and updates that lose their point once an alert is closed. */
const PAGE_KINDS: readonly MessageKind[] = ['alert', 'incident-update', 'escalation'];

const lifecycleNames: ReadonlySet<EventName> = new Set(LIFECYCLE_EVENT_NAMES);

function isLifecycle(name: EventName): name is LifecycleEventName {
  return lifecycleNames.has(name);
}

/**
 * Folds case events into the dispatcher's own case state and decides, in the same
 * transaction as the checkpoint: alert rows, escalation timers, queued messages and
 * lifecycle events. Nothing is sent here. Below a replay mark (a rebuild), events are only
 * folded and the dispatcher's own lifecycle events restore its alerts: what was decided
 * once is never decided, nor sent, again.
 */
@Injectable()
export class AlertDecisions {
  private readonly logger = new Logger(AlertDecisions.name);
  private readonly checkpoints: CheckpointStore;
  clock: () => Date = () => new Date();

  constructor(
    @Inject(DISPATCHER_CONFIG) config: DispatcherConfig,
    @Inject(ALERTING_POOL) private readonly pool: Pool,
    private readonly routing: RoutingService,
    private readonly alerts: AlertsRepository,
    private readonly escalations: EscalationsRepository,
    private readonly notifications: NotificationsRepository,
    private readonly notifier: AlertNotifier,
    private readonly events: LifecycleEvents,
    private readonly replayMarks: ReplayMarks,
    private readonly metrics: DispatcherMetrics,
  ) {
    this.checkpoints = new CheckpointStore('alerting', config.CONSUMER_GROUP);
  }

  storedOffsets(topic: string): Promise<Map<number, string>> {
    return this.checkpoints.load(this.pool, topic);
  }

  async apply(
    topic: string,
    partition: number,
    records: readonly IncomingRecord[],
  ): Promise<{ decided: number }> {
    return withTransaction(this.pool, async (client) => {
      const next = await this.checkpoints.lock(client, topic, partition);
      const fresh = records.filter((r) => BigInt(r.offset) >= next);
      const last = records[records.length - 1];
      if (fresh.length === 0 || !last) return { decided: 0 };
      const replayUntil = await this.replayMarks.get(client, topic, partition);
      // Undecodable records are the projector's to dead-letter; here they are only passed over.
      const events = fresh.flatMap((r) => {
        const decoded = decodeFromKafka(r);
        return decoded.ok
          ? [
              {
                event: decoded.event,
                replay: replayUntil !== null && BigInt(r.offset) < replayUntil,
              },
            ]
          : [];
      });
      let decided = 0;
      if (events.length > 0) decided = await this.decide(client, events);
      const nextOffset = BigInt(last.offset) + 1n;
      await this.checkpoints.advance(client, topic, partition, nextOffset);
      if (replayUntil !== null && nextOffset >= replayUntil) {
        await this.replayMarks.clear(client, topic, partition);
        this.logger.log(
          `partition ${partition} replayed up to offset ${replayUntil}; deciding live from here`,
        );
      }
      return { decided };
    });
  }

  private async decide(
    client: PoolClient,
    events: { event: CaseEvent; replay: boolean }[],
  ): Promise<number> {
    // The dispatcher reads its own lifecycle events back; live, they change nothing here.
    const relevant = events.filter(
      ({ event, replay }) => replay || !isLifecycle(eventNameOf(event)),
    );
    if (relevant.length === 0) return 0;
    // Lifecycle events of the batch, appended to the outbox in one go at its end.
    const emitted: CaseEvent[] = [];
    const caseIds = [...new Set(relevant.map((e) => e.event.subject))];
    const { rows } = await client.query<{ case_id: string; state: CaseState }>(
      `SELECT case_id, state FROM alerting.case_states WHERE case_id = ANY($1::uuid[]) FOR UPDATE`,
      [caseIds],
    );
    const states = new Map(rows.map((r) => [r.case_id, r.state]));
    const changed = new Set<string>();
    const openAlerts = await this.alerts.openForCases(client, caseIds);
    const now = this.clock();
    let decisions = 0;
    for (const { event, replay } of relevant) {
      // Everything decided about this event (alert, queued pages, lifecycle events, log lines)
      // joins its trace. Safe here: this function has awaited already, so the caller's context is untouched.
      enterTrace({ ...continueTrace(event.traceparent, event.id), eventTime: event.time });
      const name = eventNameOf(event);
      if (isLifecycle(name)) {
        await this.restore(client, event, name, openAlerts);
        continue;
      }
      const before = states.get(event.subject) ?? initialCaseState(event.subject);
      const after = evolve(before, event);
      if (after === before) continue;
      states.set(event.subject, after);
      changed.add(event.subject);
      if (replay) continue;
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
      const raised = outcomes.some((o) => o.kind === 'raise');
      const released = outcomes.some((o) => o.kind === 'stand-down');
      for (const outcome of outcomes) {
        decisions += await this.carryOut(client, outcome, {
          event,
          name,
          state: after,
          previousUrgency: previous.urgency,
          raised,
          released,
          openAlerts,
          now,
          emitted,
        });
      }
    }
    await this.events.emitAll(client, emitted);
    const updated = [...changed];
    if (updated.length > 0) {
      await client.query(
        `INSERT INTO alerting.case_states (case_id, state, urgency, updated_at)
         SELECT * FROM UNNEST($1::uuid[], $2::jsonb[], $3::text[], $4::timestamptz[])
         ON CONFLICT (case_id) DO UPDATE SET state = EXCLUDED.state, urgency = EXCLUDED.urgency, updated_at = EXCLUDED.updated_at`,
        [
          updated,
          updated.map((id) => JSON.stringify(states.get(id))),
          updated.map((id) => assessUrgency(states.get(id) ?? initialCaseState(id), now).urgency),
          updated.map(() => now),
        ],
      );
    }
    return decisions;
  }

  private async carryOut(
    client: PoolClient,
    outcome: AlertDecision,
    ctx: {
      event: CaseEvent;
      name: CaseFactEventName;
      state: CaseState;
      previousUrgency: AlertRow['urgency'];
      raised: boolean;
      released: boolean;
      openAlerts: Map<string, AlertRow>;
      now: Date;
      emitted: CaseEvent[];
    },
  ): Promise<number> {
    const caseId = ctx.event.subject;
    switch (outcome.kind) {
      case 'raise': {
        const alert = await this.raise(
          client,
          ctx.event,
          ctx.name,
          ctx.state,
          outcome,
          ctx.previousUrgency,
          ctx.now,
          ctx.openAlerts.has(caseId),
          ctx.emitted,
        );
        if (!alert) return 0;
        ctx.openAlerts.set(caseId, alert);
        return 1;
      }
      case 'resolve': {
        const alert = ctx.openAlerts.get(caseId);
        if (!alert) return 0;
        // A release ends the alert as a release, whatever it does to the urgency.
        await this.close(
          client,
          alert,
          ctx.released ? 'released' : 'urgency-dropped',
          ctx.now,
          ctx.emitted,
        );
        ctx.openAlerts.delete(caseId);
        return 1;
      }
      case 'stand-down': {
        const open = ctx.openAlerts.get(caseId);
        if (open) {
          await this.close(client, open, 'released', ctx.now, ctx.emitted);
          ctx.openAlerts.delete(caseId);
        }
        return this.tellThoseReached(client, caseId, ctx.state, 'stand-down', ctx.name, ctx.now);
      }
      case 'follow-up':
        // A removal that raised an alert pages with it; the follow-up is for those already paged.
        if (ctx.raised) return 0;
        return this.tellThoseReached(client, caseId, ctx.state, 'follow-up', ctx.name, ctx.now);
      case 'none':
        return 0;
    }
  }

  private async raise(
    client: PoolClient,
    trigger: CaseEvent,
    name: CaseFactEventName,
    state: CaseState,
    decision: Extract<AlertDecision, { kind: 'raise' }>,
    previousUrgency: AlertRow['urgency'],
    now: Date,
    hadOpenAlert: boolean,
    emitted: CaseEvent[],
  ): Promise<AlertRow | null> {
    const alertId = randomUUID();
    const alert: AlertRow = {
      alert_id: alertId,
      case_id: trigger.subject,
      incident_id: state.incidentId,
      region: state.region,
      rule: decision.rule,
      urgency: decision.urgency,
      status: 'open',
      tier: 0,
      ack_code: await this.alerts.allocateAckCode(client, alertId),
      event_code: eventCodeOf(name),
      raised_at: now,
      acknowledged_at: null,
      acknowledged_by: null,
      acknowledged_via: null,
    };
    if (!(await this.alerts.insert(client, { ...alert, dedup_key: decision.dedupKey })))
      return null;
    this.metrics.alertsRaised.inc({ urgency: alert.urgency, rule: alert.rule });
    this.logger.log(`alert ${alert.alert_id} raised (${alert.urgency}, ${alert.rule})`);
    if (hadOpenAlert) {
      const superseded = await this.alerts.supersedeOthers(
        client,
        trigger.subject,
        alert.alert_id,
        now,
      );
      await this.escalations.cancel(client, superseded);
    }
    emitted.push(
      this.events.build(
        'alert-raised',
        trigger.subject,
        now,
        {
          alertId: alert.alert_id,
          dedupKey: decision.dedupKey,
          rule: decision.rule,
          urgency: decision.urgency,
          previousUrgency,
          region: state.region ?? 'unknown',
          ...(state.incidentId ? { incidentId: state.incidentId } : {}),
        },
        state.incidentId,
      ),
    );
    if (!state.region) {
      this.logger.warn(`alert ${alert.alert_id} has no region: on the console only`);
      return alert;
    }
    const tier = recipientsForTier(this.routing.config, state.region, decision.urgency, 0, now);
    if (!tier) {
      this.logger.warn(
        `no routing for region ${state.region} at ${decision.urgency}: alert ${alert.alert_id} is on the console only`,
      );
      return alert;
    }
    const deadline = ackDeadline(now, tier.ackTimeoutMinutes);
    if (deadline) await this.escalations.schedule(client, alert.alert_id, 0, deadline);
    await this.notifier.notifyTier(client, alert, tier, 0, 'alert', now);
    return alert;
  }

  private async close(
    client: PoolClient,
    alert: AlertRow,
    reason: 'urgency-dropped' | 'released',
    now: Date,
    emitted: CaseEvent[],
  ): Promise<void> {
    const closed = await this.alerts.close(client, [alert.alert_id], now);
    if (closed.length === 0) return;
    await this.escalations.cancel(client, closed);
    // Pages of an incident's alert carry the other cases too; they still go.
    if (!alert.incident_id) await this.notifications.cancelPending(client, closed, PAGE_KINDS);
    emitted.push(
      this.events.build(
        'alert-resolved',
        alert.case_id,
        now,
        { alertId: alert.alert_id, reason },
        alert.incident_id,
      ),
    );
  }

  /** The stand-down after a release and the follow-up after a removal go to whoever was reached. */
  private async tellThoseReached(
    client: PoolClient,
    caseId: string,
    state: CaseState,
    kind: 'stand-down' | 'follow-up',
    name: CaseFactEventName,
    now: Date,
  ): Promise<number> {
    const alert = await this.alerts.latestForCase(client, caseId);
    if (!alert) return 0;
    const reached = await this.notifications.reachedAbout(client, caseId, state.incidentId);
    const byRecipient = new Map<string, typeof reached>();
    for (const r of reached)
      byRecipient.set(r.recipient_id, [...(byRecipient.get(r.recipient_id) ?? []), r]);
    const facts = {
      ...this.notifier.factsFor(alert, kind),
      eventCode: eventCodeOf(name),
      urgency: kind === 'follow-up' ? ('critical' as const) : alert.urgency,
    };
    let queued = 0;
    for (const [recipientId, channels] of byRecipient) {
      const first = channels[0];
      if (!first) continue;
      queued += await this.notifier.queue(
        client,
        alert,
        {
          id: recipientId,
          kind: 'person',
          locale: first.locale,
          channels: channels.map((c) => ({ channel: c.channel, address: c.address })),
          fallbacks: [],
        },
        'parallel',
        alert.tier,
        facts,
        now,
      );
    }
    if (queued > 0)
      this.logger.log(`${kind} for alert ${alert.alert_id} queued to ${queued} recipient(s)`);
    return queued;
  }

  /** Restores alert rows and timers from the dispatcher's own events during a rebuild. */
  private async restore(
    client: PoolClient,
    event: CaseEvent,
    name: LifecycleEventName,
    openAlerts: Map<string, AlertRow>,
  ): Promise<void> {
    const at = new Date(event.time);
    switch (name) {
      case 'alert-raised': {
        const data = (event as CaseEvent<'alert-raised'>).data;
        const alert: AlertRow = {
          alert_id: data.alertId,
          case_id: event.subject,
          incident_id: data.incidentId ?? null,
          region: data.region === 'unknown' ? null : data.region,
          rule: data.rule,
          urgency: data.urgency,
          status: 'open',
          tier: 0,
          ack_code: await this.alerts.allocateAckCode(client, data.alertId),
          event_code: null,
          raised_at: at,
          acknowledged_at: null,
          acknowledged_by: null,
          acknowledged_via: null,
        };
        const superseded = await this.alerts.supersedeOthers(
          client,
          event.subject,
          alert.alert_id,
          at,
        );
        await this.escalations.cancel(client, superseded);
        await this.alerts.restoreRaised(client, { ...alert, dedup_key: data.dedupKey });
        openAlerts.set(event.subject, alert);
        const tier = alert.region
          ? recipientsForTier(this.routing.config, alert.region, alert.urgency, 0, at)
          : null;
        const deadline = tier ? ackDeadline(at, tier.ackTimeoutMinutes) : null;
        if (deadline) await this.escalations.schedule(client, alert.alert_id, 0, deadline);
        return;
      }
      case 'alert-escalated': {
        const data = (event as CaseEvent<'alert-escalated'>).data;
        const alert = await this.alerts.find(client, data.alertId);
        if (!alert || alert.status !== 'open') return;
        await this.alerts.setTier(client, alert.alert_id, data.toTier);
        const tier = alert.region
          ? recipientsForTier(this.routing.config, alert.region, alert.urgency, data.toTier, at)
          : null;
        const deadline = tier ? ackDeadline(at, tier.ackTimeoutMinutes) : null;
        if (deadline && !alert.acknowledged_at)
          await this.escalations.schedule(client, alert.alert_id, data.toTier, deadline);
        else await this.escalations.cancel(client, [alert.alert_id]);
        return;
      }
      case 'alert-acknowledged': {
        const data = (event as CaseEvent<'alert-acknowledged'>).data;
        await this.alerts.acknowledge(client, [data.alertId], data.by, data.via, at);
        await this.escalations.cancel(client, [data.alertId]);
        return;
      }
      case 'alert-resolved': {
        const data = (event as CaseEvent<'alert-resolved'>).data;
        await this.alerts.close(client, [data.alertId], at);
        await this.escalations.cancel(client, [data.alertId]);
        if (openAlerts.get(event.subject)?.alert_id === data.alertId)
          openAlerts.delete(event.subject);
        return;
      }
      case 'notification-sent':
      case 'notification-delivered':
      case 'notification-failed':
        return;
    }
  }
}
