export {
  createKafka,
  ensureTopics,
  EventProducer,
  topicName,
  type IncomingRecord,
  type Kafka,
  type KafkaSettings,
  type OutgoingRecord,
} from './lib/kafka-client';
export { BatchConsumer, startWithRetry, type BatchConsumerOptions, type BatchHandler } from './lib/batch-consumer';
export { ConsumerLag } from './lib/consumer-lag';
export { BrokerProbe } from './lib/broker-probe';
