import { type CaseEvent } from '@beacon/events';
import { currentTraceparent } from '@beacon/observability';

/** The event carries the trace of the request that reported it (CloudEvents `traceparent`). */
export function withRequestTrace(event: CaseEvent): CaseEvent {
  if (event.traceparent !== undefined) return event;
  const traceparent = currentTraceparent();
  return traceparent ? { ...event, traceparent } : event;
}
