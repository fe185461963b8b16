import { flushIncidentUpdate, planEscalation } from '@beacon/alerting-domain';
import { withTransaction, type Pool, type PoolClient } from '@beacon/persistence';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertNotifier } from '../alerts/alert-notifier.service';
import { AlertsRepository } from '../alerts/alerts.repository';
import { AlertDecisions } from '../decisions/alert-decisions.service';
import { DeliveryWorker } from '../deliveries/delivery.worker';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../dispatcher.config';
import { ALERTING_POOL } from '../dispatcher.tokens';
import { EventsRelay } from '../events/events-relay.service';
import { LifecycleEvents } from '../events/lifecycle-events.service';
import {
  IncidentPagesRepository,
  type IncidentPageRow,
} from '../incidents/incident-pages.repository';
import { RoutingService } from '../routing/routing.service';
import { EscalationsRepository } from './escalations.repository';

const BATCH = 20;
const HOUSEKEEPING_MS = 10 * 60_000;

/**
 * The dispatcher's clock work, all of it in rows: escalation timers that have come due,
 * incident updates held until their window closed, and cases due for review. Rows are claimed with SKIP LOCKED and
 * settled in the claiming transaction, so a restart loses none and two dispatchers never
 * act on the same one.
 */
@Injectable()
export class TimersWorker {
  private readonly logger = new Logger(TimersWorker.name);
  private stopped = true;
  private loop: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private lastHousekeeping = 0;
  clock: () => Date = () => new Date();

  constructor(
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
    @Inject(ALERTING_POOL) private readonly pool: Pool,
    private readonly routing: RoutingService,
    private readonly alerts: AlertsRepository,
    private readonly escalations: EscalationsRepository,
    private readonly incidentPages: IncidentPagesRepository,
    private readonly notifier: AlertNotifier,
    private readonly events: LifecycleEvents,
    private readonly deliveries: DeliveryWorker,
    private readonly relay: EventsRelay,
    private readonly decisions: AlertDecisions,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        if (Date.now() - this.lastHousekeeping > HOUSEKEEPING_MS) await this.housekeeping();
        const worked =
          (await this.escalateDue()) + (await this.flushDueUpdates()) + (await this.reviewDue());
        failures = 0;
        if (worked > 0) {
          this.deliveries.nudge();
          this.relay.nudge();
          continue;
        }
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 50 === 0)
          this.logger.warn(`timer round failed: ${(error as Error).message}`);
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.config.TIMERS_POLL_MS * (failures > 0 ? 4 : 1));
      });
      this.wake = null;
    }
  }

  /**
   * DOMAIN.md keeps gateway logs at most 7 days: unmatched delivery receipts (a receipt for
   * an early part of a long SMS is never matched) go then, and so do instances long gone.
   */
  private async housekeeping(): Promise<void> {
    this.lastHousekeeping = Date.now();
    await this.pool.query(
      `DELETE FROM alerting.delivery_receipts WHERE received_at < now() - interval '7 days'`,
    );
    await this.pool.query(
      `DELETE FROM alerting.dispatcher_instances WHERE seen_at < now() - interval '1 day'`,
    );
  }

  /** Pages the next tier of every due, unacknowledged alert; returns how many it moved. */
  async escalateDue(): Promise<number> {
    return withTransaction(this.pool, async (client) => {
      const now = this.clock();
      const due = await this.escalations.claimDue(client, now, BATCH);
      let moved = 0;
      for (const timer of due) {
        if (await this.escalate(client, timer.alert_id, timer.tier, now)) moved += 1;
      }
      return due.length > 0 ? Math.max(moved, 1) : 0;
    });
  }

  private async escalate(
    client: PoolClient,
    alertId: string,
    fromTier: number,
    now: Date,
  ): Promise<boolean> {
    const alert = await this.alerts.find(client, alertId);
    if (!alert || alert.status !== 'open' || alert.acknowledged_at || !alert.region) {
      await this.escalations.cancel(client, [alertId]);
      return false;
    }
    const step = planEscalation(this.routing.config, alert.region, alert.urgency, fromTier, now);
    if (!step) {
      await this.escalations.cancel(client, [alertId]);
      return false;
    }
    await this.alerts.setTier(client, alertId, step.toTier);
    await this.events.emit(
      client,
      'alert-escalated',
      alert.case_id,
      now,
      { alertId, fromTier, toTier: step.toTier },
      alert.incident_id,
    );
    await this.notifier.notifyTier(client, alert, step.tier, step.toTier, 'escalation', now);
    if (step.dueAt) await this.escalations.schedule(client, alertId, step.toTier, step.dueAt);
    else await this.escalations.cancel(client, [alertId]);
    this.logger.log(
      `alert ${alertId} not acknowledged in time: escalated from tier ${fromTier} to ${step.toTier}`,
    );
    return true;
  }

  /**
   * Reviews the cases whose time has come (contact lost, an urgency the clock changed); returns
   * how many it reviewed. Pages it queued go to the delivery worker like a decision's.
   */
  async reviewDue(): Promise<number> {
    const outcome = await this.decisions.reviewDue();
    this.deliveries.hand(outcome.queued);
    return outcome.reviewed;
  }

  /** Sends each incident update whose window has closed; returns how many it sent. */
  async flushDueUpdates(): Promise<number> {
    return withTransaction(this.pool, async (client) => {
      const now = this.clock();
      const rows = await this.incidentPages.claimDueUpdates(client, now, BATCH);
      let sent = 0;
      for (const row of rows) sent += await this.flush(client, row, now);
      return rows.length > 0 ? Math.max(sent, 1) : 0;
    });
  }

  private async flush(client: PoolClient, row: IncidentPageRow, now: Date): Promise<number> {
    const { update, state } = flushIncidentUpdate(row.state, now);
    await this.incidentPages.saveFlushed(client, row, state);
    if (!update || !row.recipient) return 0;
    const open = await this.alerts.openForCases(client, update.caseIds);
    // The update names the first held case still alerting; acknowledging it takes the incident.
    const alert = update.caseIds.map((id) => open.get(id)).find((a) => a !== undefined);
    if (!alert) return 0;
    const { recipient, delivery, tier } = row.recipient;
    return this.notifier.queue(
      client,
      alert,
      recipient,
      delivery,
      tier,
      this.notifier.factsFor(alert, 'incident-update', Math.max(2, update.casesInIncident)),
      now,
    );
  }
}
