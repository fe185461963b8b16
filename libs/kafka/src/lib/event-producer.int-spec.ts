import { requireInfrastructure, uniqueName } from '@beacon/testing';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import net from 'node:net';
import { ensureTopics, EventProducer, type OutgoingRecord } from './kafka-client';

const PRODUCE_API_KEY = 0;

/**
 * Real connections to the real broker that, when told to, let the next produce request through,
 * cut the connection as the broker's answer arrives, and refuse new connections for a while: the
 * broker has appended the batch and the client cannot know it, as when a broker dies between
 * appending and answering and takes some seconds to come back.
 */
function connectionThatLosesAnAnswer() {
  let armed = false;
  let lost = 0;
  let downFor = 0;
  let downUntil = 0;
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    if (Date.now() < downUntil) {
      const refused = new net.Socket();
      process.nextTick(() =>
        refused.destroy(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      );
      return refused;
    }
    const socket = net.connect({ host, port }, onConnect);
    let awaitingAnswer = false;
    const write = socket.write.bind(socket) as (
      chunk: unknown,
      encoding?: unknown,
      cb?: unknown,
    ) => boolean;
    socket.write = (chunk: unknown, encoding?: unknown, cb?: unknown) => {
      if (
        armed &&
        Buffer.isBuffer(chunk) &&
        chunk.length >= 6 &&
        chunk.readInt16BE(4) === PRODUCE_API_KEY
      ) {
        armed = false;
        awaitingAnswer = true;
      }
      return write(chunk, encoding, cb);
    };
    const on = socket.on.bind(socket);
    socket.on = ((event: string, listener: (...args: unknown[]) => void) =>
      event === 'data'
        ? on('data', (data: Buffer) => {
            if (!awaitingAnswer) return listener(data);
            awaitingAnswer = false;
            lost += 1;
            downUntil = Date.now() + downFor;
            socket.destroy(new Error('read ECONNRESET'));
          })
        : on(event, listener)) as typeof socket.on;
    return socket;
  };
  return {
    socketFactory,
    /** The broker is unreachable for `downMs` after the lost answer. */
    loseNextAnswer: (downMs: number) => {
      armed = true;
      downFor = downMs;
    },
    backUp: () =>
      new Promise((resolve) => setTimeout(resolve, Math.max(0, downUntil - Date.now()))),
    lost: () => lost,
  };
}

function records(from: number, to: number, cases = 3): OutgoingRecord[] {
  return Array.from({ length: to - from }, (_, i) => ({
    key: `case-${(from + i) % cases}`,
    value: JSON.stringify({ id: `event-${from + i}` }),
    headers: { ce_id: `event-${from + i}` },
  }));
}

describe(EventProducer.name, () => {
  const brokers = () => requireInfrastructure('KAFKA_BROKERS').split(',');
  let kafka: Kafka;
  let network: ReturnType<typeof connectionThatLosesAnAnswer>;
  let producer: EventProducer;
  const topics: string[] = [];

  beforeEach(() => {
    network = connectionThatLosesAnAnswer();
    kafka = new Kafka({
      clientId: 'event-producer-test',
      brokers: brokers(),
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 100, retries: 3 },
      socketFactory: network.socketFactory,
    });
    producer = new EventProducer(kafka);
  });

  afterEach(() => producer.disconnect());

  afterAll(async () => {
    if (topics.length === 0) return;
    const admin = new Kafka({
      clientId: 'event-producer-test',
      brokers: brokers(),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  async function newTopic(partitions: number): Promise<string> {
    const topic = uniqueName('event-producer');
    topics.push(topic);
    await ensureTopics(kafka, [{ topic, numPartitions: partitions }]);
    return topic;
  }

  async function readAll(topic: string, count: number): Promise<{ key: string; id: string }[]> {
    const consumer = kafka.consumer({ groupId: uniqueName('event-producer-reader') });
    const seen: { key: string; id: string }[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      let settled: () => void = () => undefined;
      const enough = new Promise<void>((resolve) => (settled = resolve));
      await consumer.run({
        eachMessage: ({ message }) => {
          seen.push({
            key: message.key?.toString() ?? '',
            id: message.headers?.ce_id?.toString() ?? '',
          });
          if (seen.length >= count) settled();
          return Promise.resolve();
        },
      });
      await Promise.race([enough, new Promise((r) => setTimeout(r, 30_000))]);
      // A copy written twice would arrive right behind the rest.
      await new Promise((r) => setTimeout(r, 1_500));
    } finally {
      await consumer.disconnect();
    }
    return seen;
  }

  const idsOf = (list: { id: string }[]) => list.map((r) => r.id);
  const sentIds = (list: OutgoingRecord[]) => list.map((r) => r.headers.ce_id ?? '');
  const byKey = (list: { key: string; id: string }[], key: string) =>
    idsOf(list.filter((r) => r.key === key));

  it('sends a batch whose answer was lost again unchanged, and the broker keeps one copy', async () => {
    const topic = await newTopic(3);
    await producer.send(topic, records(0, 10));
    network.loseNextAnswer(3_000);
    // The batch reaches the broker, the answer does not reach the client, and the client's own
    // retries run out while the broker is away: the send fails.
    await expect(producer.send(topic, records(10, 30))).rejects.toThrow();
    expect(network.lost()).toBe(1);
    expect(producer.hasBatchInDoubt).toBe(true);
    await network.backUp();
    // The next round carries the same records and newer ones, as a relay's next round does.
    await producer.send(topic, records(10, 45));
    expect(producer.hasBatchInDoubt).toBe(false);

    const seen = await readAll(topic, 45);
    const sent = records(0, 45);
    expect(idsOf(seen).sort()).toEqual(sentIds(sent).sort());
    for (const key of ['case-0', 'case-1', 'case-2'])
      expect(byKey(seen, key)).toEqual(sentIds(sent.filter((r) => r.key === key)));
  });

  it('keeps trying a batch in doubt for as long as the caller waits, and writes it once', async () => {
    const topic = await newTopic(2);
    await producer.send(topic, records(0, 4));
    network.loseNextAnswer(2_000);
    await producer.send(topic, records(4, 24), { settleWithinMs: 8_000 });
    expect(network.lost()).toBe(1);
    expect(producer.hasBatchInDoubt).toBe(false);

    const seen = await readAll(topic, 24);
    expect(seen).toHaveLength(24);
    expect(new Set(idsOf(seen)).size).toBe(24);
  });

  it('starts a new producer when another sender took over part of a batch in doubt, and goes on sending', async () => {
    const topic = await newTopic(1);
    await producer.send(topic, records(0, 3));
    network.loseNextAnswer(2_000);
    await expect(producer.send(topic, records(3, 9))).rejects.toThrow();
    await network.backUp();
    // Another instance published 3..8; this one's next round only has newer records.
    await producer.send(topic, records(9, 12));
    expect(producer.hasBatchInDoubt).toBe(false);

    const seen = await readAll(topic, 12);
    // 3..8 are on the topic once: from the lost answer. Nobody else really sent them here.
    expect(idsOf(seen)).toEqual(sentIds(records(0, 12)));
  });
});
