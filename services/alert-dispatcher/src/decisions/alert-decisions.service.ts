import {
  ackDeadline,
  decideAlert,
  eventCodeOf,
  recipientsForTier,
  type AlertDecision,
  type CaseFactEventName,
  type MessageKind,
  type TierRecipients,
} from '@beacon/alerting-domain';
import {
  assessUrgency,
  caseReviewAt,
  contactLostDue,
  evolve,
  initialCaseState,
  type CaseState,
  type UrgencyReason,
} from '@beacon/case-domain';
import {
  type CaseEvent,
  decodeFromKafka,
  eventNameOf,
  type EventName,
  LIFECYCLE_EVENT_NAMES,
  type LifecycleEventName,
  parseEventType,
} from '@beacon/events';
import { type IncomingRecord } from '@beacon/kafka';
import { CheckpointStore, withTransaction, type Pool, type PoolClient } from '@beacon/persistence';
import { continueTrace, enterTrace, type TraceContext, withTrace } from '@beacon/observability';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AlertNotifier, type QueuedRow, type TierPage } from '../alerts/alert-notifier.service';
import { AlertsRepository, type AlertRow } from '../alerts/alerts.repository';
import { named, runWrites } from '../statements';
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

/** Whether a record is one of the dispatcher's own lifecycle events, by its type header alone. */
function isLifecycleRecord(record: IncomingRecord): boolean {
  const raw = record.headers.ce_type;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return false;
  const type = parseEventType(typeof value === 'string' ? value : value.toString('utf8'));
  return type !== null && isLifecycle(type.name);
}

/**
 * The fact behind an urgency the clock changed, for the code in the pages: only a hearing comes
 * within its window with time; otherwise the case's latest fact.
 */
function clockCause(state: CaseState, reasons: readonly UrgencyReason[]): CaseFactEventName {
  if (reasons.includes('hearing-72h-without-ngo-counsel')) return 'legal-proceeding-updated';
  return state.facts.at(-1)?.name ?? 'report-received';
}

/** A case as the dispatcher keeps it: its folded state and the urgency last decided on. */
interface StoredCase {
  case_id: string;
  state: CaseState;
  urgency: AlertRow['urgency'];
}

/** A raise decided while folding a batch; the batch's raises are written together. */
interface PendingRaise {
  alert: AlertRow;
  dedupKey: string;
  state: CaseState;
  previousUrgency: AlertRow['urgency'];
  hadOpenAlert: boolean;
  /** The case's open alert before this raise, back in place if the raise turns out a duplicate. */
  replaced: AlertRow | undefined;
  trace: TraceContext;
}

/** What a batch decided: how much, and the pages it queued for the delivery worker. */
export interface Decided {
  decided: number;
  queued: QueuedRow[];
  /** Whether it queued or cancelled messages that are not in `queued`. */
  rescan: boolean;
}

/** What deciding one batch has built up so far. */
interface Batch {
  client: PoolClient;
  now: Date;
  openAlerts: Map<string, AlertRow>;
  emitted: CaseEvent[];
  raises: PendingRaise[];
  raised: number;
  /** The pages the raises queued, for the delivery worker once the batch commits. */
  queued: QueuedRow[];
  /** First tiers by region and urgency: the same for every alert of the batch (same instant). */
  firstTiers: Map<string, TierRecipients | null>;
}

/**
 * Folds case events into the dispatcher's own case state and decides, in the same
 * transaction as the checkpoint: alert rows, escalation timers, queued messages and
 * lifecycle events. Nothing is sent here. Below a replay mark (a rebuild), events are only
 * folded and the dispatcher's own lifecycle events restore its alerts: what was decided
 * once is never decided, nor sent, again. One transaction takes a whole Kafka batch, with a
 * number of statements that does not grow with it: the further behind the dispatcher is,
 * the faster it catches up.
 */
@Injectable()
export class AlertDecisions {
  private readonly logger = new Logger(AlertDecisions.name);
  private readonly checkpoints: CheckpointStore;
  private readonly consumer: string;
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
    this.consumer = config.CONSUMER_GROUP;
    this.checkpoints = new CheckpointStore('alerting', this.consumer);
  }

  storedOffsets(topic: string): Promise<Map<number, string>> {
    return this.checkpoints.load(this.pool, topic);
  }

  async apply(
    topic: string,
    partition: number,
    records: readonly IncomingRecord[],
  ): Promise<Decided> {
    const none: Decided = { decided: 0, queued: [], rescan: false };
    const first = records[0];
    const last = records[records.length - 1];
    if (!first || !last) return none;
    const nextOffset = BigInt(last.offset) + 1n;
    // Half the topic is the dispatcher's own lifecycle events, which live change nothing here:
    // a batch of only those moves the checkpoint in one statement.
    if (
      records.every(isLifecycleRecord) &&
      (await this.skip(topic, partition, BigInt(first.offset), nextOffset))
    )
      return none;
    return withTransaction(this.pool, async (client) => {
      const { next, replayUntil } = await this.lockPartition(client, topic, partition);
      const fresh = records.filter((r) => BigInt(r.offset) >= next);
      if (fresh.length === 0) return none;
      // Undecodable records are the projector's to dead-letter; here they are only passed over.
      // Live, the dispatcher's own lifecycle events are not even decoded.
      const events = fresh.flatMap((r) => {
        const replay = replayUntil !== null && BigInt(r.offset) < replayUntil;
        if (!replay && isLifecycleRecord(r)) return [];
        const decoded = decodeFromKafka(r);
        return decoded.ok ? [{ event: decoded.event, replay }] : [];
      });
      const now = this.clock();
      const { states, ...decided } =
        events.length > 0
          ? await this.decide(client, events, now)
          : { ...none, states: new Map<string, CaseState>() };
      await this.advance(client, topic, partition, nextOffset, states, now);
      if (replayUntil !== null && nextOffset >= replayUntil) {
        await this.replayMarks.clear(client, topic, partition);
        this.logger.log(
          `partition ${partition} replayed up to offset ${replayUntil}; deciding live from here`,
        );
      }
      return decided;
    });
  }

  /**
   * Moves the checkpoint over a batch that decides nothing, unless the batch must take the full
   * path: a replay mark on the partition, or a stored offset outside the batch.
   */
  private async skip(
    topic: string,
    partition: number,
    firstOffset: bigint,
    nextOffset: bigint,
  ): Promise<boolean> {
    const { rowCount } = await this.pool.query({
      ...named(
        `UPDATE alerting.kafka_checkpoints SET next_offset = $4, updated_at = now()
       WHERE consumer = $1 AND topic = $2 AND partition = $3 AND next_offset >= $5 AND next_offset < $4
         AND NOT EXISTS (SELECT 1 FROM alerting.replay_marks m WHERE m.topic = $2 AND m.partition = $3)`,
      ),
      values: [this.consumer, topic, partition, nextOffset.toString(), firstOffset.toString()],
    });
    return rowCount === 1;
  }

  /** Locks the partition's checkpoint for the batch; returns it and the partition's replay mark. */
  private async lockPartition(
    client: PoolClient,
    topic: string,
    partition: number,
  ): Promise<{ next: bigint; replayUntil: bigint | null }> {
    const read = () =>
      client.query<{ next_offset: string; until_offset: string | null }>({
        ...named(
          `SELECT c.next_offset,
           (SELECT m.until_offset FROM alerting.replay_marks m WHERE m.topic = $2 AND m.partition = $3) AS until_offset
         FROM alerting.kafka_checkpoints c
         WHERE c.consumer = $1 AND c.topic = $2 AND c.partition = $3 FOR UPDATE OF c`,
        ),
        values: [this.consumer, topic, partition],
      });
    let { rows } = await read();
    if (rows.length === 0) {
      // The partition's first batch ever: the row to lock is made first.
      await this.checkpoints.lock(client, topic, partition);
      ({ rows } = await read());
    }
    const row = rows[0];
    return {
      next: BigInt(row?.next_offset ?? '0'),
      replayUntil: row?.until_offset != null ? BigInt(row.until_offset) : null,
    };
  }

  /** Stores the batch's case states and the next offset, in one statement. */
  private async advance(
    client: PoolClient,
    topic: string,
    partition: number,
    nextOffset: bigint,
    states: ReadonlyMap<string, CaseState>,
    now: Date,
  ): Promise<void> {
    // One JSON document for all the rows: each state goes in as it is, not quoted twice.
    const rows = [...states].map(([caseId, state]) => ({
      case_id: caseId,
      state,
      urgency: assessUrgency(state, now).urgency,
      review_at: caseReviewAt(state, now),
    }));
    await client.query({
      ...named(
        `WITH states AS (
         INSERT INTO alerting.case_states (case_id, state, urgency, review_at, updated_at)
         SELECT case_id, state, urgency, review_at, $6
         FROM jsonb_to_recordset($5::jsonb) AS s(case_id uuid, state jsonb, urgency text, review_at timestamptz)
         ON CONFLICT (case_id) DO UPDATE
           SET state = EXCLUDED.state, urgency = EXCLUDED.urgency, review_at = EXCLUDED.review_at,
             updated_at = EXCLUDED.updated_at)
       UPDATE alerting.kafka_checkpoints SET next_offset = $4, updated_at = now()
       WHERE consumer = $1 AND topic = $2 AND partition = $3`,
      ),
      values: [this.consumer, topic, partition, nextOffset.toString(), JSON.stringify(rows), now],
    });
  }

  /** A decision batch over these cases, with their open alerts. */
  private async newBatch(client: PoolClient, now: Date, caseIds: string[]): Promise<Batch> {
    return {
      client,
      now,
      openAlerts: await this.alerts.openForCases(client, caseIds),
      // Lifecycle events of the batch, appended to the outbox in one go at its end.
      emitted: [],
      raises: [],
      raised: 0,
      queued: [],
      firstTiers: new Map(),
    };
  }

  /** Folds the batch's events and decides; returns how many decisions and the changed states. */
  private async decide(
    client: PoolClient,
    events: { event: CaseEvent; replay: boolean }[],
    now: Date,
  ): Promise<Decided & { states: Map<string, CaseState> }> {
    const caseIds = [...new Set(events.map((e) => e.event.subject))];
    const { rows } = await client.query<StoredCase>({
      ...named(
        `SELECT case_id, state, urgency FROM alerting.case_states WHERE case_id = ANY($1::uuid[]) FOR UPDATE`,
      ),
      values: [caseIds],
    });
    const states = new Map(rows.map((r) => [r.case_id, r.state]));
    // The urgency last decided on: a rise the clock brought about (a hearing coming within
    // 72 h) is a rise even if the review has not got to the case before this event.
    const decidedUrgency = new Map(rows.map((r) => [r.case_id, r.urgency]));
    const changed = new Map<string, CaseState>();
    const batch = await this.newBatch(client, now, caseIds);
    const { openAlerts } = batch;
    let decisions = 0;
    for (const { event, replay } of events) {
      // Everything decided about this event (alert, queued pages, lifecycle events, log lines)
      // joins its trace. Safe here: this function has awaited already, so the caller's context is untouched.
      const trace = { ...continueTrace(event.traceparent, event.id), eventTime: event.time };
      enterTrace(trace);
      const name = eventNameOf(event);
      if (isLifecycle(name)) {
        await this.flush(batch);
        await this.restore(client, event, name, openAlerts);
        continue;
      }
      const before = states.get(event.subject) ?? initialCaseState(event.subject);
      const after = evolve(before, event);
      if (after === before) continue;
      states.set(event.subject, after);
      changed.set(event.subject, after);
      if (replay) {
        decidedUrgency.delete(event.subject);
        continue;
      }
      const previousUrgency =
        decidedUrgency.get(event.subject) ?? assessUrgency(before, now).urgency;
      const current = assessUrgency(after, now);
      decidedUrgency.set(event.subject, current.urgency);
      decisions += await this.decideChange(batch, event.subject, {
        state: after,
        urgency: current.urgency,
        previousUrgency,
        previousCustody: before.custody,
        name,
        trace,
      });
    }
    await this.flush(batch);
    await this.events.emitAll(client, batch.emitted);
    return {
      decided: decisions + batch.raised,
      queued: batch.queued,
      // Stand-downs, follow-ups and cancelled pages are not handed over: the worker looks.
      rescan: decisions > 0,
      states: changed,
    };
  }

  /**
   * The clock's part in a case: what changes with no new event. For each case whose review time
   * has come, Beacon raises contact-lost once there has been no news of a detained person for T
   * hours (then 2T), as an event on the case topic that every service folds like any other; and
   * an urgency the clock has changed (a hearing coming within 72 h, an ill-treatment leaving its
   * 7 days) is decided on as an event's would be. Rows are claimed with SKIP LOCKED, so several
   * dispatchers share the work; nothing is reviewed while a rebuild replays the topic, which may
   * still hold a contact-lost raised before.
   */
  async reviewDue(limit = 100): Promise<Decided & { reviewed: number }> {
    return withTransaction(this.pool, async (client) => {
      const now = this.clock();
      const { rows } = await client.query<StoredCase>({
        ...named(
          `SELECT case_id, state, urgency FROM alerting.case_states
         WHERE review_at <= $1 AND NOT EXISTS (SELECT 1 FROM alerting.replay_marks)
         ORDER BY review_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        ),
        values: [now, limit],
      });
      if (rows.length === 0) return { decided: 0, queued: [], rescan: false, reviewed: 0 };
      const batch = await this.newBatch(
        client,
        now,
        rows.map((r) => r.case_id),
      );
      let decisions = 0;
      const reviewed: { case_id: string; urgency: string; review_at: Date | null }[] = [];
      for (const { case_id: caseId, state, urgency } of rows) {
        const trace = continueTrace(undefined);
        enterTrace(trace);
        const lost = contactLostDue(state, now);
        if (lost) {
          batch.emitted.push(
            this.events.build(
              'contact-lost',
              caseId,
              now,
              {
                hoursWithoutContact: lost.hoursWithoutContact,
                ...(state.lastConfirmedContactAt
                  ? { lastConfirmedContactAt: state.lastConfirmedContactAt }
                  : {}),
              },
              state.incidentId,
            ),
          );
          this.metrics.contactLost.inc();
          this.logger.log(
            `contact-lost raised for case ${caseId}: no news for ${lost.hoursWithoutContact} h`,
          );
        }
        const current = assessUrgency(state, now);
        if (current.urgency !== urgency) {
          decisions += await this.decideChange(batch, caseId, {
            state,
            urgency: current.urgency,
            previousUrgency: urgency,
            previousCustody: state.custody,
            name: clockCause(state, current.reasons),
            trace,
          });
        }
        reviewed.push({
          case_id: caseId,
          urgency: current.urgency,
          review_at: caseReviewAt(state, now, lost?.hoursWithoutContact),
        });
      }
      await this.flush(batch);
      await this.events.emitAll(client, batch.emitted);
      await client.query({
        ...named(
          `UPDATE alerting.case_states c SET urgency = r.urgency, review_at = r.review_at
         FROM jsonb_to_recordset($1::jsonb) AS r(case_id uuid, urgency text, review_at timestamptz)
         WHERE c.case_id = r.case_id`,
        ),
        values: [JSON.stringify(reviewed)],
      });
      return {
        decided: decisions + batch.raised,
        queued: batch.queued,
        rescan: decisions > 0 || batch.emitted.length > 0,
        reviewed: rows.length,
      };
    });
  }

  /**
   * Asks the rules what a case's change calls for and carries it out; returns how many decisions
   * it took beyond raises (the batch counts those as it writes them).
   */
  private async decideChange(
    batch: Batch,
    caseId: string,
    change: {
      state: CaseState;
      urgency: AlertRow['urgency'];
      previousUrgency: AlertRow['urgency'];
      previousCustody: CaseState['custody'];
      /** The fact behind the change: its code goes in the pages. */
      name: CaseFactEventName;
      trace: TraceContext;
    },
  ): Promise<number> {
    const { state, urgency, previousUrgency, previousCustody, name, trace } = change;
    const outcomes = decideAlert(
      {
        caseId,
        incidentId: state.incidentId,
        region: state.region,
        urgency,
        previousUrgency,
        custody: state.custody,
        previousCustody,
      },
      batch.openAlerts.get(caseId) ?? null,
    );
    const raised = outcomes.some((o) => o.kind === 'raise');
    const released = outcomes.some((o) => o.kind === 'stand-down');
    let decisions = 0;
    for (const outcome of outcomes) {
      decisions += await this.carryOut(batch, outcome, {
        caseId,
        name,
        state,
        previousUrgency,
        raised,
        released,
        trace,
      });
    }
    return decisions;
  }

  private async carryOut(
    batch: Batch,
    outcome: AlertDecision,
    ctx: {
      caseId: string;
      /** The fact that changed the urgency: its code goes in the pages. */
      name: CaseFactEventName;
      state: CaseState;
      previousUrgency: AlertRow['urgency'];
      raised: boolean;
      released: boolean;
      trace: TraceContext;
    },
  ): Promise<number> {
    const { client, now, openAlerts, emitted } = batch;
    const { caseId } = ctx;
    if (outcome.kind === 'none') return 0;
    if (outcome.kind === 'raise') {
      const open = openAlerts.get(caseId);
      // A raise over an open alert supersedes it: written in order with what came before.
      if (open) await this.flush(batch);
      this.raise(batch, caseId, ctx.name, ctx.state, outcome, ctx.previousUrgency, ctx.trace);
      if (open) await this.flush(batch);
      return 0;
    }
    // Everything else reads or changes alerts: the raises before it are written first.
    await this.flush(batch);
    switch (outcome.kind) {
      case 'resolve': {
        const alert = openAlerts.get(caseId);
        if (!alert) return 0;
        // A release ends the alert as a release, whatever it does to the urgency.
        await this.close(
          client,
          alert,
          ctx.released ? 'released' : 'urgency-dropped',
          now,
          emitted,
        );
        openAlerts.delete(caseId);
        return 1;
      }
      case 'stand-down': {
        const open = openAlerts.get(caseId);
        if (open) {
          await this.close(client, open, 'released', now, emitted);
          openAlerts.delete(caseId);
        }
        return this.tellThoseReached(client, caseId, ctx.state, 'stand-down', ctx.name, now);
      }
      case 'follow-up':
        // A removal that raised an alert pages with it; the follow-up is for those already paged.
        if (ctx.raised) return 0;
        return this.tellThoseReached(client, caseId, ctx.state, 'follow-up', ctx.name, now);
    }
  }

  /** Decides a raise; `flush` writes it with the batch's other raises. */
  private raise(
    batch: Batch,
    caseId: string,
    name: CaseFactEventName,
    state: CaseState,
    decision: Extract<AlertDecision, { kind: 'raise' }>,
    previousUrgency: AlertRow['urgency'],
    trace: TraceContext,
  ): void {
    const replaced = batch.openAlerts.get(caseId);
    const alert: AlertRow = {
      alert_id: randomUUID(),
      case_id: caseId,
      incident_id: state.incidentId,
      region: state.region,
      rule: decision.rule,
      urgency: decision.urgency,
      status: 'open',
      tier: 0,
      ack_code: null,
      event_code: eventCodeOf(name),
      raised_at: batch.now,
      acknowledged_at: null,
      acknowledged_by: null,
      acknowledged_via: null,
    };
    batch.raises.push({
      alert,
      dedupKey: decision.dedupKey,
      state,
      previousUrgency,
      hadOpenAlert: replaced !== undefined,
      replaced,
      trace,
    });
    // Later events of the batch see the alert as open, as they would had it been written.
    batch.openAlerts.set(caseId, alert);
  }

  /**
   * Writes the raises decided so far, all of them at each step: their codes, the alerts, the
   * alerts they supersede, then their escalation timers, incident rows and first-tier pages
   * in one statement.
   */
  private async flush(batch: Batch): Promise<void> {
    const raises = batch.raises.splice(0);
    if (raises.length === 0) return;
    const { client, now } = batch;
    const codes = await this.alerts.allocateAckCodes(
      client,
      raises.map((r) => r.alert.alert_id),
    );
    for (const { alert } of raises) alert.ack_code = codes.get(alert.alert_id) ?? null;
    const inserted = await this.alerts.insertMany(
      client,
      raises.map((r) => ({ ...r.alert, dedup_key: r.dedupKey })),
    );
    const timers: { alertId: string; tier: number; dueAt: Date }[] = [];
    const pages: TierPage[] = [];
    for (const raise of raises) {
      const { alert, state, trace } = raise;
      if (!inserted.has(alert.alert_id)) {
        // The rule already fired: the alert on record stays the open one.
        if (batch.openAlerts.get(alert.case_id) === alert) {
          if (raise.replaced) batch.openAlerts.set(alert.case_id, raise.replaced);
          else batch.openAlerts.delete(alert.case_id);
        }
        continue;
      }
      batch.raised += 1;
      this.metrics.alertsRaised.inc({ urgency: alert.urgency, rule: alert.rule });
      withTrace(trace, () =>
        this.logger.log(`alert ${alert.alert_id} raised (${alert.urgency}, ${alert.rule})`),
      );
      if (raise.hadOpenAlert) {
        await this.supersedeOthers(client, alert.case_id, alert.alert_id, now);
      }
      batch.emitted.push(
        withTrace(trace, () =>
          this.events.build(
            'alert-raised',
            alert.case_id,
            now,
            {
              alertId: alert.alert_id,
              dedupKey: raise.dedupKey,
              rule: alert.rule,
              urgency: alert.urgency,
              previousUrgency: raise.previousUrgency,
              region: state.region ?? 'unknown',
              ...(state.incidentId ? { incidentId: state.incidentId } : {}),
            },
            state.incidentId,
          ),
        ),
      );
      if (!state.region) {
        withTrace(trace, () =>
          this.logger.warn(`alert ${alert.alert_id} has no region: on the console only`),
        );
        continue;
      }
      const tier = this.firstTier(batch, state.region, alert.urgency);
      if (!tier) {
        withTrace(trace, () =>
          this.logger.warn(
            `no routing for region ${state.region} at ${alert.urgency}: alert ${alert.alert_id} is on the console only`,
          ),
        );
        continue;
      }
      const deadline = ackDeadline(now, tier.ackTimeoutMinutes);
      if (deadline) timers.push({ alertId: alert.alert_id, tier: 0, dueAt: deadline });
      pages.push({ alert, tier, tierIndex: 0, kind: 'alert', now, trace });
    }
    // The timers, the incident rows and the queued pages: one statement.
    const planned = await this.notifier.planTiers(client, pages);
    await runWrites(client, [this.escalations.scheduleManyWrite(timers), ...planned.writes]);
    batch.queued.push(...planned.rows);
  }

  /** A case has one open alert: the others are superseded and their escalation timers dropped. */
  private async supersedeOthers(
    client: PoolClient,
    caseId: string,
    keep: string,
    at: Date,
  ): Promise<void> {
    const superseded = await this.alerts.supersedeOthers(client, caseId, keep, at);
    await this.escalations.cancel(client, superseded);
  }

  private firstTier(
    batch: Batch,
    region: string,
    urgency: AlertRow['urgency'],
  ): TierRecipients | null {
    const key = `${region}:${urgency}`;
    let tier = batch.firstTiers.get(key);
    if (tier === undefined) {
      tier = recipientsForTier(this.routing.config, region, urgency, 0, batch.now);
      batch.firstTiers.set(key, tier);
    }
    return tier;
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
        await this.supersedeOthers(client, event.subject, alert.alert_id, at);
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
