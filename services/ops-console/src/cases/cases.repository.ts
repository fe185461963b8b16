import { Inject, Injectable } from '@nestjs/common';
import { type Pool } from 'pg';
import { type CaseCursor, type CaseListQuery } from './case-query.dto';

export const CONSOLE_POOL = Symbol('CONSOLE_POOL');

/** Which cases a caller may list at all: by region (officers) or by id (referred cases). */
export interface CaseScope {
  regions?: readonly string[];
  caseIds?: readonly string[];
}

export interface CaseRow {
  case_id: string;
  incident_id: string | null;
  person_ref: string | null;
  region: string | null;
  custody: string;
  location_status: string;
  access: string;
  removal_risk: string;
  closed: boolean;
  urgency: string;
  urgency_reasons: string[];
  opened_at: Date | null;
  last_occurred_at: Date | null;
  updated_at: Date;
  event_count: number;
}

export interface TimelineRow {
  event_id: string;
  event_type: string;
  event_name: string;
  occurred_at: Date;
  recorded_at: Date;
  summary: string;
}

export interface AlertRow {
  alert_id: string;
  case_id: string;
  incident_id: string | null;
  rule: string | null;
  urgency: string | null;
  raised_at: Date | null;
  tier: number;
  notifications_sent: number;
  notifications_delivered: number;
  notifications_failed: number;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
  resolve_reason: string | null;
}

const CASE_COLUMNS = `case_id, incident_id, person_ref, region, custody, location_status, access, removal_risk, closed,
  urgency, urgency_reasons, opened_at, last_occurred_at, updated_at, event_count`;
const ALERT_COLUMNS = `alert_id, case_id, incident_id, rule, urgency, raised_at, tier, notifications_sent,
  notifications_delivered, notifications_failed, acknowledged_at, acknowledged_by, resolved_at, resolve_reason`;

/**
 * Reads the case read models that case-projector writes, through the views in `projection` (a
 * rebuild switches the tables behind them). Each statement reads one view.
 */
@Injectable()
export class CasesRepository {
  constructor(@Inject(CONSOLE_POOL) private readonly pool: Pool) {}

  /**
   * One page in (updated_at DESC, case_id DESC) order, and whether more follow; `scope` keeps it to
   * the caller's regions or referred cases, in SQL, so pages are full and counts say nothing more.
   */
  async list(
    query: CaseListQuery,
    after: CaseCursor | null,
    scope: CaseScope = {},
  ): Promise<{ rows: CaseRow[]; more: boolean }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (scope.regions !== undefined) where.push(`region = ANY(${param(scope.regions)}::text[])`);
    if (scope.caseIds !== undefined) where.push(`case_id = ANY(${param(scope.caseIds)}::uuid[])`);
    if (query.region !== undefined) where.push(`region = ${param(query.region)}`);
    if (query.urgency !== undefined) where.push(`urgency = ANY(${param(query.urgency)}::text[])`);
    if (query.custody !== undefined) where.push(`custody = ANY(${param(query.custody)}::text[])`);
    if (query.closed !== undefined) where.push(`closed = ${param(query.closed)}`);
    if (query.incidentId !== undefined) where.push(`incident_id = ${param(query.incidentId)}`);
    if (query.updatedSince !== undefined) where.push(`updated_at >= ${param(query.updatedSince)}`);
    if (after !== null)
      where.push(
        `(updated_at, case_id) < (${param(after.updatedAt)}, ${param(after.caseId)}::uuid)`,
      );
    const { rows } = await this.pool.query<CaseRow>(
      `SELECT ${CASE_COLUMNS} FROM projection.cases
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY updated_at DESC, case_id DESC LIMIT ${param(query.limit + 1)}`,
      params,
    );
    return { rows: rows.slice(0, query.limit), more: rows.length > query.limit };
  }

  async findCase(caseId: string): Promise<CaseRow | null> {
    const { rows } = await this.pool.query<CaseRow>(
      `SELECT ${CASE_COLUMNS} FROM projection.cases WHERE case_id = $1`,
      [caseId],
    );
    return rows[0] ?? null;
  }

  async timeline(caseId: string): Promise<TimelineRow[]> {
    const { rows } = await this.pool.query<TimelineRow>(
      `SELECT event_id, event_type, event_name, occurred_at, recorded_at, summary FROM projection.case_timeline
       WHERE case_id = $1 ORDER BY occurred_at, recorded_at, event_id`,
      [caseId],
    );
    return rows;
  }

  /** The case and region an alert belongs to, for deciding who may acknowledge it. */
  async alertTarget(alertId: string): Promise<{ caseId: string; region: string | null } | null> {
    const { rows } = await this.pool.query<{ case_id: string; region: string | null }>(
      `SELECT a.case_id, coalesce(a.region, c.region) AS region
         FROM projection.alerts a LEFT JOIN projection.cases c ON c.case_id = a.case_id
        WHERE a.alert_id = $1`,
      [alertId],
    );
    const row = rows[0];
    return row ? { caseId: row.case_id, region: row.region } : null;
  }

  async alertsOfCase(caseId: string): Promise<AlertRow[]> {
    const { rows } = await this.pool.query<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM projection.alerts WHERE case_id = $1 ORDER BY raised_at NULLS LAST, alert_id`,
      [caseId],
    );
    return rows;
  }
}
