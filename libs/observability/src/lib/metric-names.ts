/**
 * The series Beacon's services expose, shared by the code that registers them and by the
 * Prometheus rules and Grafana dashboards under deploy/ (a test checks those use only these).
 */
export const METRICS = {
  reportsAccepted: 'beacon_reports_accepted_total',
  reportsRejected: 'beacon_reports_rejected_total',
  outboxBacklog: 'beacon_outbox_backlog',
  outboxOldestAge: 'beacon_outbox_oldest_age_seconds',
  eventsPublished: 'beacon_events_published_total',
  consumerLag: 'beacon_consumer_lag',
  consumerCrashes: 'beacon_consumer_crashes_total',
  eventsApplied: 'beacon_events_applied_total',
  batchDuration: 'beacon_batch_duration_seconds',
  deadLetters: 'beacon_dead_letters_total',
  alertsRaised: 'beacon_alerts_raised_total',
  alertsPastSla: 'beacon_alerts_unacknowledged_past_sla',
  contactLost: 'beacon_contact_lost_total',
  caseReviewsOverdue: 'beacon_case_reviews_overdue',
  timeToNotify: 'beacon_time_to_notify_seconds',
  timeToAcknowledge: 'beacon_time_to_acknowledge_seconds',
  deliveries: 'beacon_deliveries_total',
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];
