import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRICS } from './metric-names';

/** Latency buckets for the path from report to page, in seconds (50 ms … 5 min). */
export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

/**
 * One registry per process, every series labelled with the service. Metric names follow
 * Prometheus conventions: `beacon_` prefix, base units, `_total` for counters.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 'beacon_' });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.getOrCreate(name, () => new Counter({ name, help, labelNames, registers: [this.registry] }));
  }

  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    collect?: (gauge: Gauge<L>) => Promise<void> | void,
  ): Gauge<L> {
    return this.getOrCreate(name, () => {
      const options = {
        name,
        help,
        labelNames,
        registers: [this.registry],
        ...(collect
          ? {
              async collect(this: Gauge<L>) {
                await collect(this);
              },
            }
          : {}),
      };
      return new Gauge(options);
    });
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets = LATENCY_BUCKETS): Histogram<L> {
    return this.getOrCreate(name, () => new Histogram({ name, help, labelNames, buckets, registers: [this.registry] }));
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private getOrCreate<M>(name: string, create: () => M): M {
    return (this.registry.getSingleMetric(name) as M | undefined) ?? create();
  }
}

/**
 * Counts the crashes of one consumer group's Kafka consumers. The series starts at 0, so a rule
 * sees the first crash as an increase.
 */
export function consumerCrashCounter(metrics: ServiceMetrics, group: string): () => void {
  const crashes = metrics.counter(
    METRICS.consumerCrashes,
    'Kafka consumer crashes; each one starts a new consumer at the stored offsets',
    ['group'],
  );
  crashes.inc({ group }, 0);
  return () => crashes.inc({ group });
}
