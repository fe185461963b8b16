import { createPool } from '@beacon/persistence';
import { parentPort, workerData } from 'node:worker_threads';
import { ReadModelRepository } from '../read-models/read-model.repository';
import { kafkaFor, type ReplaySpec, type ReplayWorkerMessage, windowedConsumer } from './replay.runner';

// A replay worker thread: one consumer of the rebuild's group, started by WorkerThreadReplay.
const spec = workerData as ReplaySpec;
const port = parentPort;
if (port === null) throw new Error('rebuild.worker runs only as a worker thread');
const send = (message: ReplayWorkerMessage) => port.postMessage(message);

const pool = createPool(spec.config.DATABASE_URL, 'case-projector-rebuild', 3);
const consumer = windowedConsumer(spec, pool, kafkaFor(spec.config, 'case-projector-rebuild'), new ReadModelRepository());
const positions = () => [...consumer.positions].map(([p, o]): [number, string] => [p, o.toString()]);
const progress = setInterval(() => send({ type: 'progress', positions: positions(), applied: consumer.applied, firstRecordAt: consumer.firstRecordAt }), 100);

consumer.whenFailed().catch((error: unknown) => send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }));
consumer.start().catch((error: unknown) => send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }));

port.on('message', (message: { type: 'stop' }) => {
  if (message.type !== 'stop') return;
  clearInterval(progress);
  void consumer
    .stop()
    .then(() =>
      send({
        type: 'stopped',
        positions: positions(),
        applied: consumer.applied,
        duplicates: consumer.duplicates,
        firstRecordAt: consumer.firstRecordAt,
        poison: consumer.poison,
      }),
    )
    .then(() => consumer.close())
    .finally(() => {
      // Ends this thread only; Kafka and pg sockets may otherwise keep it alive.
      void pool.end().finally(() => process.exit(0));
    });
});
