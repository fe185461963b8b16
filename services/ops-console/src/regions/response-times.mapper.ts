import { type ResponseTimeRow } from './response-times.repository';

export interface RegionResponseTimes {
  region: string;
  alerts: number;
  acknowledged: number;
  openUnacknowledged: number;
  /** Seconds from alert to acknowledgement: median and 90th percentile; null without any. */
  timeToAcknowledge: { p50: number | null; p90: number | null };
  actedOn: number;
  /** Seconds from alert to the first intervention logged after it. */
  timeToFirstAction: { p50: number | null; p90: number | null };
}

const seconds = (v: number | string | null) => (v === null ? null : Math.round(Number(v)));

export function regionResponseTimes(row: ResponseTimeRow): RegionResponseTimes {
  return {
    region: row.region,
    alerts: row.alerts,
    acknowledged: row.acknowledged,
    openUnacknowledged: row.open_unacknowledged,
    timeToAcknowledge: { p50: seconds(row.ack_p50), p90: seconds(row.ack_p90) },
    actedOn: row.acted,
    timeToFirstAction: { p50: seconds(row.action_p50), p90: seconds(row.action_p90) },
  };
}
