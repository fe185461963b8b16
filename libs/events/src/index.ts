export {
  CASE_EVENTS_DLQ_TOPIC,
  CASE_EVENTS_TOPIC,
  EVENT_NAMES,
  LIFECYCLE_EVENT_NAMES,
  REPORTED_EVENT_NAMES,
  isEventName,
  isReportedEventName,
} from './event-names';
export type {
  EventName,
  LifecycleEventName,
  ReportedEventName,
  SystemEventName,
} from './event-names';
export { CURRENT_VERSIONS, eventTypeOf, parseEventType } from './event-type';
export { newEventId } from './event-id';
export type { EventType } from './event-type';
export { CODES } from './codes';
export type {
  AccessLevel,
  Channel,
  Code,
  CodeList,
  Counsel,
  DetentionAuthority,
  DetentionManner,
  IntakeChannel,
  Language,
  Reliability,
  RemovalStage,
  SourceRole,
  TimeBand,
  Urgency,
} from './codes';
export { encryptedValueSchema, placeSchema, reportContextSchema } from './common-schemas';
export type { EncryptedValue, Place, ReportContext } from './common-schemas';
export { payloadSchemas, reportedPayloadObjects } from './payload-schemas';
export type { EventData } from './payload-schemas';
export {
  EventValidationError,
  createEvent,
  envelopeSchema,
  eventNameOf,
  nameEvent,
  validateEvent,
} from './case-event';
export type {
  CaseEvent,
  CreateEventInput,
  DecodeFailure,
  DecodeResult,
  NamedEvent,
  ValidationIssue,
} from './case-event';
export { UPCASTERS, authorityFromFreeText } from './upcasters';
export type { Upcaster } from './upcasters';
export { decodeFromKafka, encodeForKafka } from './kafka-binding';
export type { IncomingKafkaRecord, KafkaRecord } from './kafka-binding';
export { EXAMPLES } from './examples';
export { eventJsonSchemas } from './json-schemas';
export type { JsonSchemaTarget } from './json-schemas';
export { asyncApiDocument, toYaml } from './asyncapi';
