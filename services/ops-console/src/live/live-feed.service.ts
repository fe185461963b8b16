import { type UserPrincipal } from '@beacon/identity';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AlertDispatcherClient } from '../alerts/alert-dispatcher.client';
import { CaseAccessService } from '../cases/case-access.service';
import { LiveFeedRepository } from './live-feed.repository';
import { caseIdsOf, type LiveAlert, type LiveChange, type LiveEvent, visibleEvents } from './live-events.mapper';

export const LIVE_POLL_MS = 1_500;
/** Rows committed a little after a later-stamped one are still caught: look back this far. */
const CASE_LOOKBACK_MS = 5_000;
const CASES_PER_TICK = 500;
const OPEN_ALERTS_LIMIT = 500;

interface Subscriber {
  principal: UserPrincipal;
  send(event: LiveEvent): void;
  ready(): void;
}

/**
 * One poller per console instance, running only while someone listens: every LIVE_POLL_MS it
 * reads the dispatcher's open alerts and the cases the projector changed, keeps only what
 * changed since the last look, and hands each listener the part the access policy lets them see.
 */
@Injectable()
export class LiveFeedService implements OnApplicationShutdown {
  private readonly logger = new Logger(LiveFeedService.name);
  private readonly subscribers = new Set<Subscriber>();
  private timer: NodeJS.Timeout | null = null;
  private primed = false;
  private alerts = new Map<string, { signature: string; alert: LiveAlert }>();
  private caseWatermark: Date | null = null;
  private caseSignatures = new Map<string, { signature: string; updatedAt: number }>();

  constructor(
    private readonly repository: LiveFeedRepository,
    private readonly dispatcher: AlertDispatcherClient,
    private readonly access: CaseAccessService,
  ) {}

  /** Starts the poller if needed; `ready` is called once the feed knows the current state. */
  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    if (this.primed) subscriber.ready();
    else if (!this.timer) this.schedule(0);
    return () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  get listeners(): number {
    return this.subscribers.size;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // A later listener starts from a fresh look; nothing stale is pushed to it.
    this.primed = false;
    this.alerts.clear();
    this.caseSignatures.clear();
    this.caseWatermark = null;
  }

  private async tick(): Promise<void> {
    try {
      const changes = [...(await this.alertChanges()), ...(await this.caseChanges())];
      if (!this.primed) {
        this.primed = true;
        for (const s of this.subscribers) s.ready();
      } else if (changes.length > 0) {
        await this.publish(changes);
      }
    } catch (error) {
      this.logger.warn(`live feed poll failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      if (this.subscribers.size > 0) this.schedule(LIVE_POLL_MS);
      else this.stop();
    }
  }

  private async publish(changes: LiveChange[]): Promise<void> {
    // One referral lookup per tick, then the same pure decision for every listener.
    const referrals = await this.access.referralsOf(caseIdsOf(changes));
    for (const subscriber of this.subscribers) {
      for (const event of visibleEvents(subscriber.principal, changes, referrals)) subscriber.send(event);
    }
  }

  private async alertChanges(): Promise<LiveChange[]> {
    let listed: LiveAlert[];
    try {
      const answer = await this.dispatcher.call('GET', `/v1/alerts?status=open&limit=${OPEN_ALERTS_LIMIT}`);
      if (answer.status !== 200) return [];
      listed = (answer.body as { alerts?: LiveAlert[] } | null)?.alerts ?? [];
    } catch {
      // No dispatcher configured or reachable: the feed carries cases only until it returns.
      return [];
    }
    const changes: LiveChange[] = [];
    const next = new Map<string, { signature: string; alert: LiveAlert }>();
    for (const alert of listed) {
      const signature = JSON.stringify(alert);
      next.set(alert.alertId, { signature, alert });
      if (this.alerts.get(alert.alertId)?.signature !== signature) changes.push({ kind: 'alert', alert });
    }
    for (const [id, previous] of this.alerts) {
      if (!next.has(id)) changes.push({ kind: 'alert-closed', alert: previous.alert });
    }
    this.alerts = next;
    return changes;
  }

  private async caseChanges(): Promise<LiveChange[]> {
    if (!this.caseWatermark) {
      this.caseWatermark = await this.repository.now();
      return [];
    }
    const since = new Date(this.caseWatermark.getTime() - CASE_LOOKBACK_MS);
    const rows = await this.repository.casesChangedSince(since, CASES_PER_TICK);
    const changes: LiveChange[] = [];
    for (const row of rows) {
      const updatedAt = row.updated_at.getTime();
      const signature = `${updatedAt}:${row.event_count}:${row.urgency}:${row.custody}:${row.closed}`;
      if (this.caseSignatures.get(row.case_id)?.signature === signature) continue;
      this.caseSignatures.set(row.case_id, { signature, updatedAt });
      changes.push({ kind: 'case', row });
      if (updatedAt > this.caseWatermark.getTime()) this.caseWatermark = row.updated_at;
    }
    const horizon = this.caseWatermark.getTime() - 2 * CASE_LOOKBACK_MS;
    for (const [id, seen] of this.caseSignatures) if (seen.updatedAt < horizon) this.caseSignatures.delete(id);
    return changes;
  }

  onApplicationShutdown(): void {
    this.subscribers.clear();
    this.stop();
  }
}
