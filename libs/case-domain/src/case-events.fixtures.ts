import {
  type CaseEvent,
  type EventData,
  type EventName,
  EXAMPLES,
  createEvent,
} from '@beacon/events';

export const CASE_ID = '5f0c2a7e-8d41-4b6a-9c3e-1a2b3c4d5e6f';
export const INCIDENT_ID = '9a1d3e5f-7b2c-4d8e-a6f0-2c4e6a8b0d1f';

/** Local midnight in Almaty, 11-12 March 2009, in UTC. */
export const MIDNIGHT = Date.parse('2009-03-11T18:00:00Z');
export const HOUR = 3_600_000;

export function at(hoursAfterMidnight: number): string {
  return new Date(MIDNIGHT + hoursAfterMidnight * HOUR).toISOString();
}

export function idFor(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

let sequence = 0;

export interface Given<N extends EventName> {
  occurredAt: string;
  id?: string;
  caseId?: string;
  incidentId?: string;
  data?: Partial<EventData<N>>;
}

/** A valid event of `name`, taken from the catalogue's example with the given changes. */
export function given<N extends EventName>(name: N, changes: Given<N>): CaseEvent<N> {
  sequence += 1;
  const example = EXAMPLES[name];
  const data = { ...example.data, ...changes.data } as EventData<N>;
  return createEvent(name, {
    id: changes.id ?? idFor(sequence),
    caseId: changes.caseId ?? CASE_ID,
    time: changes.occurredAt,
    occurredAt: changes.occurredAt,
    source: example.source,
    incidentId: changes.incidentId ?? INCIDENT_ID,
    data,
  });
}
