import {
  type CustodyCountsDto,
  type RegionCountsDto,
  type StatsDto,
  type UrgencyCountsDto,
} from './stats.dto';
import { type CountRow } from './stats.repository';

const urgencies = (): UrgencyCountsDto => ({ critical: 0, high: 0, routine: 0 });
const custodies = (): CustodyCountsDto => ({
  'at-liberty': 0,
  detained: 0,
  released: 0,
  removed: 0,
});

/** Totals, open cases by urgency and custody, overall and per region. Urgency and custody count open cases only. */
export function statsOf(rows: readonly CountRow[], now: Date): StatsDto {
  const stats: StatsDto = {
    generatedAt: now.toISOString(),
    totalCases: 0,
    openCases: 0,
    closedCases: 0,
    byUrgency: urgencies(),
    byCustody: custodies(),
    byRegion: [],
  };
  const regions = new Map<string | null, RegionCountsDto>();
  for (const row of rows) {
    let region = regions.get(row.region);
    if (!region) {
      region = {
        region: row.region,
        openCases: 0,
        closedCases: 0,
        byUrgency: urgencies(),
        byCustody: custodies(),
      };
      regions.set(row.region, region);
    }
    stats.totalCases += row.cases;
    if (row.closed) {
      stats.closedCases += row.cases;
      region.closedCases += row.cases;
      continue;
    }
    stats.openCases += row.cases;
    region.openCases += row.cases;
    if (row.urgency in stats.byUrgency) {
      const u = row.urgency as keyof UrgencyCountsDto;
      stats.byUrgency[u] += row.cases;
      region.byUrgency[u] += row.cases;
    }
    if (row.custody in stats.byCustody) {
      const c = row.custody as keyof CustodyCountsDto;
      stats.byCustody[c] += row.cases;
      region.byCustody[c] += row.cases;
    }
  }
  stats.byRegion = [...regions.values()];
  return stats;
}
