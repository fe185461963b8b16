import { type AlertDto, type CaseSummaryDto, type TimelineEntryDto } from './case.dto';
import { type AlertRow, type CaseRow, type TimelineRow } from './cases.repository';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function caseSummary(row: CaseRow): CaseSummaryDto {
  return {
    caseId: row.case_id,
    incidentId: row.incident_id,
    personRef: row.person_ref,
    region: row.region,
    urgency: row.urgency,
    urgencyReasons: row.urgency_reasons,
    state: {
      custody: row.custody,
      locationStatus: row.location_status,
      access: row.access,
      removalRisk: row.removal_risk,
      closed: row.closed,
    },
    openedAt: iso(row.opened_at),
    lastOccurredAt: iso(row.last_occurred_at),
    updatedAt: row.updated_at.toISOString(),
    eventCount: row.event_count,
  };
}

export function timelineEntry(row: TimelineRow): TimelineEntryDto {
  return {
    eventId: row.event_id,
    type: row.event_type,
    name: row.event_name,
    occurredAt: row.occurred_at.toISOString(),
    recordedAt: row.recorded_at.toISOString(),
    summary: row.summary,
  };
}

export function alert(row: AlertRow): AlertDto {
  return {
    alertId: row.alert_id,
    caseId: row.case_id,
    incidentId: row.incident_id,
    rule: row.rule,
    urgency: row.urgency,
    raisedAt: iso(row.raised_at),
    tier: row.tier,
    notificationsSent: row.notifications_sent,
    notificationsDelivered: row.notifications_delivered,
    notificationsFailed: row.notifications_failed,
    acknowledgedAt: iso(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: iso(row.resolved_at),
    resolveReason: row.resolve_reason,
  };
}
