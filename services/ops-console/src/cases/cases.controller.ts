import { parseOrThrow, ProblemException } from '@beacon/http';
import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ConsoleAuthGuard } from '../auth/console-auth.guard';
import { CasesRepository } from './cases.repository';

@Controller('v1/cases')
@UseGuards(ConsoleAuthGuard)
export class CasesController {
  constructor(private readonly cases: CasesRepository) {}

  @Get(':id')
  async get(@Param('id') id: string) {
    const caseId = parseOrThrow(z.uuid(), id, '/id');
    const row = await this.cases.findCase(caseId);
    if (!row) throw new ProblemException(404, 'not-found', 'Case not found', 'No case with this id has been projected (yet).');
    const timeline = await this.cases.timeline(caseId);
    return {
      caseId: row.case_id,
      incidentId: row.incident_id,
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
      openedAt: row.opened_at?.toISOString() ?? null,
      lastOccurredAt: row.last_occurred_at?.toISOString() ?? null,
      updatedAt: row.updated_at.toISOString(),
      eventCount: row.event_count,
      timeline: timeline.map((t) => ({
        eventId: t.event_id,
        type: t.event_type,
        name: t.event_name,
        occurredAt: t.occurred_at.toISOString(),
        recordedAt: t.recorded_at.toISOString(),
        summary: t.summary,
      })),
    };
  }
}
