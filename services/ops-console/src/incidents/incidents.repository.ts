import { Inject, Injectable } from '@nestjs/common';
import { type Pool } from 'pg';
import { type AlertRow, type CaseRow, CONSOLE_POOL } from '../cases/cases.repository';

export interface IncidentRow {
  incident_id: string;
  case_count: number;
  open_cases: number;
  critical_cases: number;
  high_cases: number;
  detained_cases: number;
  urgency: string;
  regions: string[];
  opened_at: Date | null;
  last_occurred_at: Date | null;
  updated_at: Date;
}

/** An incident is the cases reported together (one raid, five people); derived from the cases read model. */
@Injectable()
export class IncidentsRepository {
  constructor(@Inject(CONSOLE_POOL) private readonly pool: Pool) {}

  async find(incidentId: string): Promise<IncidentRow | null> {
    const { rows } = await this.pool.query<IncidentRow>(
      `SELECT incident_id, case_count, open_cases, critical_cases, high_cases, detained_cases, urgency, regions,
              opened_at, last_occurred_at, updated_at
       FROM projection.incidents WHERE incident_id = $1`,
      [incidentId],
    );
    return rows[0] ?? null;
  }

  async cases(incidentId: string): Promise<CaseRow[]> {
    const { rows } = await this.pool.query<CaseRow>(
      `SELECT case_id, incident_id, person_ref, region, custody, location_status, access, removal_risk, closed,
              urgency, urgency_reasons, opened_at, last_occurred_at, updated_at, event_count
       FROM projection.cases WHERE incident_id = $1 ORDER BY opened_at NULLS LAST, case_id`,
      [incidentId],
    );
    return rows;
  }

  async alerts(incidentId: string, caseIds: readonly string[]): Promise<AlertRow[]> {
    const { rows } = await this.pool.query<AlertRow>(
      `SELECT alert_id, case_id, incident_id, rule, urgency, raised_at, tier, notifications_sent, notifications_delivered,
              notifications_failed, acknowledged_at, acknowledged_by, resolved_at, resolve_reason
       FROM projection.alerts WHERE incident_id = $1 OR case_id = ANY($2::uuid[])
       ORDER BY raised_at NULLS LAST, alert_id`,
      [incidentId, caseIds],
    );
    return rows;
  }
}
