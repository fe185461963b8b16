// @beacon/alerting-domain: routing, rules, escalation recipients and message rendering; pure.
// Incident grouping: planIncidentNotification pages the first case now and holds cases within 60 s of that page for ONE update (flushIncidentUpdate at flushAt);
// a case after the window pages again and opens a new window, so an incident sends at most one page and one update a minute.

export {
  CHANNELS,
  LOCALES,
  URGENCIES,
  urgencyRank,
  type CaseFactEventName,
  type Channel,
  type Custody,
  type EventName,
  type LifecycleEventName,
  type Locale,
  type Urgency,
} from './types';
export {
  DELIVERY_MODES,
  PERSON_ROLES,
  RECIPIENT_ROLES,
  formatConfigPath,
  formatRoutingConfigErrors,
  parseRoutingConfig,
  routingConfigSchema,
  type DeliveryMode,
  type EscalationPolicy,
  type EscalationTier,
  type LegalAidPartner,
  type ParseRoutingConfigResult,
  type Person,
  type PersonRole,
  type RecipientRole,
  type Region,
  type Rotation,
  type RotationOverride,
  type RotationWeek,
  type RoutingConfig,
  type RoutingConfigError,
} from './routing-config';
export { onCallFor, type OnCall } from './on-call';
export {
  policyFor,
  recipientsForTier,
  type ChannelAddress,
  type Recipient,
  type TierRecipients,
} from './recipients';
export { ackDeadline, planEscalation, type EscalationStep } from './escalation';
export {
  DEFAULT_RETRY_POLICY,
  initialChannels,
  nextFailover,
  retryDelayMs,
  type RetryPolicy,
} from './delivery-plan';
export { decideAlert, urgencyRule, type AlertDecision, type CaseAlertView } from './alert-rules';
export {
  INCIDENT_WINDOW_MS,
  flushIncidentUpdate,
  planIncidentNotification,
  type IncidentNotificationPlan,
  type IncidentNotifyState,
  type IncidentUpdate,
} from './incident-grouping';
export { CASE_REF_PATTERN, caseRefOf } from './case-ref';
export { ALL_EVENT_CODES, EVENT_CODES, eventCodeOf, type EventCode } from './event-codes';
export {
  ACK_CODE_PATTERN,
  MESSAGE_KINDS,
  MessageFactsError,
  messageFactsSchema,
  type MessageFacts,
  type MessageKind,
} from './message-facts';
export { renderEmail, renderSms, type RenderedEmail, type RenderedSms } from './render';
export {
  ACK_PAGE_TEXTS,
  ackPageTexts,
  localeFromAcceptLanguage,
  type AckPageTexts,
} from './ack-page-texts';
export { SMS_LIMITS, isGsm7, segmentSms, smsLength, type SmsEncoding } from './sms-encoding';
export { findPersonalData } from './personal-data';
export { parseAckReply } from './ack-reply';
