import { CASE_EVENTS_DLQ_TOPIC, CASE_EVENTS_TOPIC } from '@beacon/events';
import { BatchConsumer, BrokerProbe, ConsumerLag, createKafka, EventProducer, startWithRetry, topicName, type Kafka } from '@beacon/kafka';
import { consumerCrashCounter, METRICS, ServiceMetrics, traceFromRecordHeaders, withTrace } from '@beacon/observability';
import { type Pool } from '@beacon/persistence';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { PROJECTOR_CONFIG, type ProjectorConfig } from '../projector.config';
import { ReadModelVersionsRepository } from '../read-models/read-model-versions.repository';
import { ReadModelRepository } from '../read-models/read-model.repository';
import { PROJECTOR_POOL } from '../read-models/read-models.module';
import { deadLetterRecords } from '../dead-letters/dead-letter.records';
import { CaseProjection } from './case.projection';

@Injectable()
export class ProjectionConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectionConsumer.name);
  private readonly kafka: Kafka;
  private readonly producer: EventProducer;
  private readonly consumer: BatchConsumer;
  private readonly projection: CaseProjection;
  appliedTotal = 0;
  deadLetteredTotal = 0;
  activeVersion: number | null = null;
  /** Health asks the broker through this; the lag gauge through `lag`. */
  readonly broker: BrokerProbe;
  private readonly lag: ConsumerLag;

  constructor(
    @Inject(PROJECTOR_CONFIG) config: ProjectorConfig,
    @Inject(PROJECTOR_POOL) readonly pool: Pool,
    versions: ReadModelVersionsRepository,
    readModels: ReadModelRepository,
    @Optional() metrics: ServiceMetrics = new ServiceMetrics('case-projector'),
  ) {
    this.kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'case-projector', topicPrefix: config.KAFKA_TOPIC_PREFIX });
    this.producer = new EventProducer(this.kafka);
    this.projection = new CaseProjection(pool, config.CONSUMER_GROUP, versions, readModels);
    const topic = topicName({ topicPrefix: config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_TOPIC);
    const dlq = topicName({ topicPrefix: config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_DLQ_TOPIC);
    this.broker = new BrokerProbe(this.kafka);
    this.lag = new ConsumerLag(this.kafka, topic, (t) => this.projection.storedOffsets(t));
    const instruments = projectorInstruments(metrics, config.CONSUMER_GROUP, this.lag);
    // The per-event lines cost about as much as projecting the event: below info, skip building them at all.
    const logsEachEvent = ['info', 'debug', 'trace'].includes(config.LOG_LEVEL);
    this.consumer = new BatchConsumer(this.kafka, {
      groupId: config.CONSUMER_GROUP,
      topic,
      onError: (error) => this.logger.error(`consumer error: ${(error as Error).message}`),
      onCrash: instruments.crashed,
      handler: {
        storedOffsets: (t) => this.projection.storedOffsets(t),
        handleBatch: async (t, partition, records) => {
          const timer = instruments.batchDuration.startTimer();
          const outcome = await this.projection.apply(t, partition, records, (letters) =>
            this.producer.send(dlq, deadLetterRecords(letters)),
          );
          timer();
          this.appliedTotal += outcome.applied;
          this.deadLetteredTotal += outcome.deadLettered.length;
          instruments.applied.inc(outcome.applied);
          instruments.deadLetters.inc(outcome.deadLettered.length);
          if (logsEachEvent && outcome.applied > 0) {
            const lettered = new Set(outcome.deadLettered.map((l) => l.record.offset));
            // One line per event in its trace: type and coordinates, never the value.
            for (const record of records) {
              if (lettered.has(record.offset)) continue;
              withTrace(traceFromRecordHeaders(record.headers), () =>
                this.logger.log(`${headerText(record.headers.ce_type)} projected from partition ${partition} offset ${record.offset}`),
              );
            }
          }
          if (this.activeVersion !== outcome.version) {
            if (this.activeVersion !== null) this.logger.log(`now writing read-model version ${outcome.version}`);
            this.activeVersion = outcome.version;
          }
          // Coordinates and the reason only: the record itself may carry personal data.
          for (const letter of outcome.deadLettered) {
            this.logger.warn(`dead-lettered ${letter.record.topic}/${letter.record.partition}/${letter.record.offset}: ${letter.reason}`);
          }
        },
      },
    });
  }

  /** Starts consuming without holding up the HTTP server; retries while Kafka is unreachable. */
  onApplicationBootstrap(): void {
    void startWithRetry(() => this.consumer.start(), this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop().catch(() => undefined);
    await this.lag.close();
    await this.broker.close();
    await this.producer.disconnect().catch(() => undefined);
  }
}

function headerText(value: unknown): string {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return Buffer.isBuffer(first) ? first.toString('utf8') : typeof first === 'string' ? first : 'event';
}

/** The projector's series: events applied and dead-lettered, batch duration, lag per partition, consumer crashes. */
function projectorInstruments(metrics: ServiceMetrics, group: string, lag: ConsumerLag) {
  metrics.gauge(METRICS.consumerLag, 'Events on the case topic not yet applied, per partition', ['group', 'partition'], async (gauge) => {
    try {
      const lags = await lag.measure();
      gauge.reset();
      for (const [partition, value] of lags) gauge.set({ group, partition: String(partition) }, value);
    } catch {
      // Kafka unreachable: no figure rather than a stale one (BeaconServiceDown and readiness say why).
      gauge.reset();
    }
  });
  return {
    crashed: consumerCrashCounter(metrics, group),
    applied: metrics.counter(METRICS.eventsApplied, 'Case events applied to the read models'),
    deadLetters: metrics.counter(METRICS.deadLetters, 'Records sent to the dead-letter topic'),
    batchDuration: metrics.histogram(
      METRICS.batchDuration,
      'Time to apply one partition batch (one transaction), in seconds',
      [],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
  };
}
