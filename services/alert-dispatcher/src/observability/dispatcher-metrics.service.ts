import { CODES } from '@beacon/events';
import { ConsumerLag, type Kafka } from '@beacon/kafka';
import { consumerCrashCounter, METRICS, ServiceMetrics } from '@beacon/observability';
import { CheckpointStore, type Pool } from '@beacon/persistence';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type Counter, type Histogram } from 'prom-client';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../dispatcher.config';
import { ALERTING_POOL, KAFKA_CLIENT } from '../dispatcher.tokens';
import { LifecycleEvents } from '../events/lifecycle-events.service';

/** Time-to-acknowledge buckets, in seconds: one minute to two hours. */
const ACK_BUCKETS = [30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

/**
 * The dispatcher's series: alerts raised, how long until the first page went out and until
 * someone acknowledged, every delivery's outcome, alerts past their acknowledgement deadline,
 * consumer lag and crashes, and the lifecycle events its relay published.
 */
@Injectable()
export class DispatcherMetrics implements OnApplicationShutdown {
  readonly alertsRaised: Counter<'urgency' | 'rule'>;
  readonly timeToNotify: Histogram<'channel'>;
  readonly timeToAcknowledge: Histogram<'urgency'>;
  readonly deliveries: Counter<'channel' | 'outcome'>;
  readonly published: Counter<'topic'>;
  /** Beacon raised contact-lost for a detained person with no news. */
  readonly contactLost: Counter;
  /** One decision consumer crashed; a new one starts at the stored offsets. */
  readonly consumerCrashed: () => void;
  private readonly lag: ConsumerLag;

  constructor(
    metrics: ServiceMetrics,
    @Inject(DISPATCHER_CONFIG) config: DispatcherConfig,
    @Inject(ALERTING_POOL) pool: Pool,
    @Inject(KAFKA_CLIENT) kafka: Kafka,
    events: LifecycleEvents,
  ) {
    this.alertsRaised = metrics.counter(METRICS.alertsRaised, 'Alerts raised, by urgency and rule', ['urgency', 'rule']);
    this.timeToNotify = metrics.histogram(
      METRICS.timeToNotify,
      'From Beacon recording the event that raised an alert to its first page being sent, in seconds',
      ['channel'],
    );
    this.timeToAcknowledge = metrics.histogram(
      METRICS.timeToAcknowledge,
      'From an alert being raised to its acknowledgement, in seconds',
      ['urgency'],
      ACK_BUCKETS,
    );
    this.deliveries = metrics.counter(METRICS.deliveries, 'Send attempts, by channel and outcome (sent or failed)', [
      'channel',
      'outcome',
    ]);
    this.published = metrics.counter(METRICS.eventsPublished, 'Lifecycle events published to Kafka from the outbox', ['topic']);
    this.contactLost = metrics.counter(
      METRICS.contactLost,
      'contact-lost raised by Beacon for a detained person with no news',
      [],
    );
    metrics.gauge(
      METRICS.caseReviewsOverdue,
      'Cases whose review (contact lost, an urgency the clock changes) is more than a minute late',
      [],
      async (gauge) => {
        try {
          const { rows } = await pool.query<{ count: string }>(
            `SELECT count(*) AS count FROM alerting.case_states WHERE review_at < now() - interval '1 minute'`,
          );
          gauge.set(Number(rows[0]?.count ?? 0));
        } catch {
          gauge.reset();
        }
      },
    );
    const group = config.CONSUMER_GROUP;
    this.consumerCrashed = consumerCrashCounter(metrics, group);
    // The decisions' own checkpoints: where the dispatcher really is, whatever Kafka's group offsets say.
    const checkpoints = new CheckpointStore('alerting', group);
    this.lag = new ConsumerLag(kafka, events.topic, (t) => checkpoints.load(pool, t));
    metrics.gauge(METRICS.consumerLag, 'Events on the case topic not yet decided on, per partition', ['group', 'partition'], async (gauge) => {
      try {
        const lags = await this.lag.measure();
        gauge.reset();
        for (const [partition, value] of lags) gauge.set({ group, partition: String(partition) }, value);
      } catch {
        gauge.reset();
      }
    });
    metrics.gauge(
      METRICS.alertsPastSla,
      'Open alerts nobody acknowledged within their first tier’s deadline, by urgency',
      ['urgency'],
      async (gauge) => {
        try {
          // Past the first deadline: escalated already, or its tier-0 timer is overdue.
          const { rows } = await pool.query<{ urgency: string; count: string }>(
            `SELECT a.urgency, count(*) AS count FROM alerting.alerts a
             LEFT JOIN alerting.escalations e ON e.alert_id = a.alert_id
             WHERE a.status = 'open' AND a.acknowledged_at IS NULL AND (a.tier > 0 OR e.due_at < now())
             GROUP BY a.urgency`,
          );
          gauge.reset();
          for (const urgency of CODES.urgency) gauge.set({ urgency }, 0);
          for (const row of rows) gauge.set({ urgency: row.urgency }, Number(row.count));
        } catch {
          gauge.reset();
        }
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.lag.close();
  }
}
