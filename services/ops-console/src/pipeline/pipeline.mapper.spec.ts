import { consumerLag, deadLetterCount, pipelineHealth } from './pipeline.mapper';
import { deliveryRate, type PipelineView } from './pipeline.repository';

const TOPIC = 'run1.beacon.case-events.v1';
const offsets = {
  caseEvents: {
    topic: TOPIC,
    partitions: [
      { partition: 0, low: '0', high: '120' },
      { partition: 1, low: '0', high: '80' },
      { partition: 2, low: '10', high: '15' },
    ],
  },
  deadLetters: { topic: 'run1.beacon.case-events.dlq.v1', partitions: [{ partition: 0, low: '2', high: '5' }] },
};

const consumer = (service: string, name: string, partition: number, nextOffset: string, topic = TOPIC) => ({
  service,
  consumer: name,
  topic,
  partition,
  nextOffset,
  updatedAt: `2026-11-27T23:4${partition}:00.000Z`,
});

describe('consumerLag', () => {
  it('sums end minus position per partition, counting unreached partitions from the log start', () => {
    const sut = consumerLag(
      [
        consumer('case-projector', 'case-projector@v1', 0, '100'),
        consumer('case-projector', 'case-projector@v1', 1, '80'),
        consumer('alert-dispatcher', 'alert-dispatcher', 0, '120'),
        consumer('alert-dispatcher', 'alert-dispatcher', 1, '80'),
        consumer('alert-dispatcher', 'alert-dispatcher', 2, '15'),
        consumer('alert-dispatcher', 'alert-dispatcher', 0, '1', 'another-topic'),
      ],
      offsets,
    );
    expect(sut.map(({ service, lag }) => ({ service, lag }))).toEqual([
      { service: 'case-projector', lag: 20 + 0 + 5 },
      { service: 'alert-dispatcher', lag: 0 },
    ]);
    expect(sut[0]?.updatedAt).toBe('2026-11-27T23:41:00.000Z');
  });
});

describe('deadLetterCount', () => {
  it('counts what the dead-letter topic holds, and none before it exists', () => {
    expect(deadLetterCount(offsets).count).toBe(3);
    expect(deadLetterCount({ ...offsets, deadLetters: null })).toEqual({ topic: null, count: 0 });
  });
});

describe('pipelineHealth', () => {
  const view: PipelineView = {
    readModels: [],
    checkpoints: [],
    outboxes: [{ service: 'intake-api', pending: 4, oldestAgeSeconds: 12 }],
    consumers: [consumer('case-projector', 'case-projector@v1', 0, '120')],
    deliveries: { windowHours: 24, channels: [] },
  };

  it('says lag and dead letters are unknown when Kafka did not answer', () => {
    const sut = pipelineHealth(view, { configured: true, offsets: null });
    expect(sut.kafka).toEqual({ configured: true, reachable: false });
    expect(sut.lag).toBeNull();
    expect(sut.deadLetters).toBeNull();
    expect(sut.outboxes[0]?.pending).toBe(4);
  });

  it('adds lag and dead letters when it did', () => {
    const sut = pipelineHealth(view, { configured: true, offsets });
    expect(sut.lag?.[0]?.lag).toBe(80 + 5);
    expect(sut.deadLetters?.count).toBe(3);
  });
});

describe('deliveryRate', () => {
  it('is failed over finished pages, and unknown with none finished', () => {
    expect(deliveryRate('sms', 3, 1, 5).failureRate).toBe(0.25);
    expect(deliveryRate('email', 0, 0, 2).failureRate).toBeNull();
  });
});
