import { type KafkaOffsets } from './pipeline-kafka.service';
import { type PipelineView } from './pipeline.repository';

export interface ConsumerLag {
  service: string;
  consumer: string;
  topic: string;
  /** Records on the topic the consumer has not applied yet, over all partitions. */
  lag: number;
  partitions: number;
  updatedAt: string | null;
}

export interface PipelineHealth extends PipelineView {
  kafka: { configured: boolean; reachable: boolean | null };
  /** Null without Kafka: lag needs the end of each partition. */
  lag: ConsumerLag[] | null;
  deadLetters: { topic: string | null; count: number } | null;
}

const big = (v: string) => BigInt(v);

/**
 * Lag of each consumer on the case topic: for every partition, its end minus the consumer's
 * stored position (or the log start, for a partition it has not reached yet).
 */
export function consumerLag(consumers: PipelineView['consumers'], offsets: KafkaOffsets): ConsumerLag[] {
  const groups = new Map<string, PipelineView['consumers']>();
  for (const c of consumers) {
    if (c.topic !== offsets.caseEvents.topic) continue;
    const key = `${c.service}\u0000${c.consumer}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].map((rows) => {
    const first = rows[0] as PipelineView['consumers'][number];
    const at = new Map(rows.map((r) => [r.partition, big(r.nextOffset)]));
    let lag = 0n;
    for (const p of offsets.caseEvents.partitions) {
      const position = at.get(p.partition) ?? big(p.low);
      if (big(p.high) > position) lag += big(p.high) - position;
    }
    const updated = rows.map((r) => r.updatedAt).filter(Boolean).sort();
    return {
      service: first.service,
      consumer: first.consumer,
      topic: first.topic,
      lag: Number(lag),
      partitions: offsets.caseEvents.partitions.length,
      updatedAt: updated[updated.length - 1] ?? null,
    };
  });
}

/** Records held by the dead-letter topic (what retention has not removed). */
export function deadLetterCount(offsets: KafkaOffsets): { topic: string | null; count: number } {
  if (!offsets.deadLetters) return { topic: null, count: 0 };
  const count = offsets.deadLetters.partitions.reduce((sum, p) => sum + (big(p.high) - big(p.low)), 0n);
  return { topic: offsets.deadLetters.topic, count: Number(count) };
}

export function pipelineHealth(view: PipelineView, kafka: { configured: boolean; offsets: KafkaOffsets | null }): PipelineHealth {
  return {
    ...view,
    kafka: { configured: kafka.configured, reachable: kafka.configured ? kafka.offsets !== null : null },
    lag: kafka.offsets ? consumerLag(view.consumers, kafka.offsets) : null,
    deadLetters: kafka.offsets ? deadLetterCount(kafka.offsets) : null,
  };
}
