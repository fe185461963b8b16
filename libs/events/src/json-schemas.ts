import { z } from 'zod';
import { EVENT_NAMES } from './event-names';
import { type EventType, eventTypeOf } from './event-type';
import { payloadSchemas } from './payload-schemas';
import { UPCASTERS } from './upcasters';

/** `draft-2020-12` for OpenAPI 3.1; `draft-7` for AsyncAPI 3, whose default schema format extends it. */
export type JsonSchemaTarget = 'draft-2020-12' | 'draft-7';

/**
 * JSON Schema of every payload readable from the topic, keyed by event type, for AsyncAPI and
 * OpenAPI. Older versions are still on the topic (retention is infinite), so they are listed too,
 * marked deprecated.
 */
export function eventJsonSchemas(
  target: JsonSchemaTarget = 'draft-2020-12',
): Record<EventType, object> {
  const schemas: Record<EventType, object> = {};
  for (const name of EVENT_NAMES) {
    schemas[eventTypeOf(name)] = z.toJSONSchema(payloadSchemas[name], { target });
  }
  for (const upcaster of UPCASTERS) {
    schemas[eventTypeOf(upcaster.name, upcaster.fromVersion)] = {
      ...z.toJSONSchema(upcaster.schema, { target }),
      deprecated: true,
    };
  }
  return schemas;
}
