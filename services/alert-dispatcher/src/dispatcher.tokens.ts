/** The dispatcher's connection pool to its own schema. */
export const ALERTING_POOL = Symbol('ALERTING_POOL');
/** The Kafka client shared by the consumer and the outbox relay. */
export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
