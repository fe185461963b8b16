import { Inject, Injectable } from '@nestjs/common';
import { type Pool } from 'pg';
import { CONSOLE_POOL } from '../cases/cases.repository';

export interface ResponseTimeRow {
  region: string;
  alerts: number;
  acknowledged: number;
  open_unacknowledged: number;
  ack_p50: number | null;
  ack_p90: number | null;
  acted: number;
  action_p50: number | null;
  action_p90: number | null;
}

/**
 * Per region, over the alerts raised in the window: time from alert to acknowledgement ("I have
 * it") and to the first intervention logged on the case after the alert (the first action).
 * Counts and durations only.
 */
@Injectable()
export class ResponseTimesRepository {
  constructor(@Inject(CONSOLE_POOL) private readonly pool: Pool) {}

  async perRegion(days: number): Promise<ResponseTimeRow[]> {
    const { rows } = await this.pool.query<ResponseTimeRow>(
      `WITH raised AS (
         SELECT coalesce(a.region, c.region, '') AS region, a.case_id, a.raised_at, a.acknowledged_at, a.resolved_at
           FROM projection.alerts a LEFT JOIN projection.cases c ON c.case_id = a.case_id
          WHERE a.raised_at >= now() - make_interval(days => $1)
       ), timed AS (
         SELECT r.*,
                extract(epoch FROM r.acknowledged_at - r.raised_at) AS to_ack,
                extract(epoch FROM (SELECT min(t.recorded_at) FROM projection.case_timeline t
                                     WHERE t.case_id = r.case_id AND t.event_name = 'intervention-logged'
                                       AND t.recorded_at >= r.raised_at) - r.raised_at) AS to_action
           FROM raised r
       )
       SELECT region,
              count(*)::int AS alerts,
              count(acknowledged_at)::int AS acknowledged,
              (count(*) FILTER (WHERE acknowledged_at IS NULL AND resolved_at IS NULL))::int AS open_unacknowledged,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY to_ack) AS ack_p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY to_ack) AS ack_p90,
              count(to_action)::int AS acted,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY to_action) AS action_p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY to_action) AS action_p90
         FROM timed GROUP BY region ORDER BY region`,
      [days],
    );
    return rows;
  }
}
