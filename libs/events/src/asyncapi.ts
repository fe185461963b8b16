import { z } from 'zod';
import { envelopeSchema } from './case-event';
import { EVENT_NAMES, type EventName, CASE_EVENTS_TOPIC } from './event-names';
import { type EventType, eventTypeOf } from './event-type';
import { EXAMPLES } from './examples';
import { eventJsonSchemas } from './json-schemas';
import { encodeForKafka } from './kafka-binding';
import { UPCASTERS } from './upcasters';

const DESCRIPTIONS: { readonly [N in EventName]: string } = {
  'report-received':
    'A hotline took a report: who called, whether a callback is safe, the legal basis.',
  'person-identified':
    'Who the case is about: UNHCR status, sex, age band; identifying fields only sealed (A256GCM), the registration number also as a keyed hash.',
  'detention-reported':
    'A person was detained: where (district level), by whom, how, the stated reason.',
  'whereabouts-updated':
    'Whether the authorities acknowledge holding the person and disclose where. Critical if denied or undisclosed.',
  'access-status-updated':
    'Whether family, lawyer, UNHCR and NGOs may see the person. Critical if lawyer and UNHCR are both denied.',
  'ill-treatment-reported': 'Beating, threats, coercion, denial of care. Critical.',
  'legal-proceeding-updated': 'Charges, detention order, hearing date, counsel, appeal.',
  'removal-threat-reported':
    'Deportation, expulsion, extradition or pressure to return, and how far it has gone. Critical from "order issued" on, or towards the country of origin.',
  transferred:
    'Moved from one place to another; critical towards a border or an airport, or to an unknown place.',
  'intervention-logged':
    'Someone acted: legal aid, a demand for information, an appeal, a protest note, a UN urgent appeal.',
  released: 'Released, and on what conditions.',
  removed: 'Deported, expelled, extradited or handed over. Critical: post-return follow-up.',
  'contact-lost': 'Raised by Beacon: no confirmed news for a number of hours while detained.',
  'case-closed': 'The case is closed; new reports about the person open a new case.',
  'case-reopened': 'A closed case is open again.',
  'record-corrected':
    'An earlier event stops counting; corrected facts, if any, follow as a new event.',
  'record-erased': "A person's identifying data is erased (their key destroyed).",
  'alert-raised': 'The dispatcher raised an alert because urgency rose.',
  'notification-sent': 'A notification left for a recipient on a channel.',
  'notification-delivered': 'The channel confirmed delivery.',
  'notification-failed': 'A delivery attempt failed; the reason is scrubbed of addresses and text.',
  'alert-escalated': 'Not acknowledged in time: the alert moved to the next tier.',
  'alert-acknowledged': 'A recipient took the alert.',
  'alert-resolved': 'The alert ended.',
};

const KAFKA_BINDING_VERSION = '0.5.0';

/** detention-reported.v2 → detentionReportedV2: AsyncAPI message ids allow no dots. */
function messageId(name: EventName, version: number): string {
  const camel = name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  return `${camel}V${version}`;
}

function title(name: EventName, version: number): string {
  const words = name.replace(/-/g, ' ');
  return `${words.charAt(0).toUpperCase()}${words.slice(1)} (v${version})`;
}

/**
 * The binary-mode headers, derived from the envelope schema so they cannot drift from what
 * `decodeFromKafka` accepts. Other headers are allowed (and ignored by consumers).
 */
function headersSchema(type: EventType): object {
  const {
    data: _data,
    datacontenttype: _contentType,
    type: _type,
    ...attributes
  } = envelopeSchema.shape;
  const headers = z.looseObject({
    ...Object.fromEntries(
      Object.entries(attributes).map(([name, schema]) => [`ce_${name}`, schema]),
    ),
    ce_type: z.literal(type),
    'content-type': z.literal('application/json'),
  });
  const { $schema: _schema, ...json } = z.toJSONSchema(headers, { target: 'draft-7' });
  return json;
}

function withoutDialect(schema: object): object {
  const { $schema: _schema, ...rest } = schema as Record<string, unknown>;
  return rest;
}

interface MessageSpec {
  id: string;
  type: EventType;
  name: EventName;
  version: number;
  deprecated: boolean;
  example: { headers: Record<string, string>; payload: unknown };
}

function messageSpecs(): MessageSpec[] {
  const current = EVENT_NAMES.map((name): MessageSpec => {
    const record = encodeForKafka(EXAMPLES[name]);
    const type = eventTypeOf(name);
    const version = Number(type.slice(type.lastIndexOf('.v') + 2));
    return {
      id: messageId(name, version),
      type,
      name,
      version,
      deprecated: false,
      example: { headers: record.headers, payload: EXAMPLES[name].data },
    };
  });
  const older = UPCASTERS.map((upcaster): MessageSpec => {
    const type = eventTypeOf(upcaster.name, upcaster.fromVersion);
    const record = encodeForKafka(EXAMPLES[upcaster.name]);
    return {
      id: messageId(upcaster.name, upcaster.fromVersion),
      type,
      name: upcaster.name,
      version: upcaster.fromVersion,
      deprecated: true,
      example: { headers: { ...record.headers, ce_type: type }, payload: upcaster.example },
    };
  });
  return [...current, ...older];
}

/**
 * The AsyncAPI 3.0 document of the case topic, generated from the catalogue: payload schemas
 * from the zod schemas, headers from the envelope schema, one example per message from EXAMPLES.
 * docs/asyncapi.yaml is this document; a test keeps the two equal.
 */
export function asyncApiDocument(): Record<string, unknown> {
  const specs = messageSpecs();
  const schemas = eventJsonSchemas('draft-7');
  const channelRef = { $ref: '#/channels/caseEvents' };
  const messageRef = (id: string) => ({ $ref: `#/channels/caseEvents/messages/${id}` });
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Beacon case events',
      version: '1.0.0',
      description:
        'Every fact about every case, and every side effect of alerting, as CloudEvents 1.0 in the ' +
        'Kafka protocol binding (binary mode): attributes in `ce_*` headers, the payload as JSON in ' +
        'the value, the case id as the record key, so one case is totally ordered. Retention is ' +
        'infinite. Older versions of a type stay readable: consumers upcast them (marked deprecated). ' +
        'Personal data appears only sealed (AES-256-GCM) or as a keyed hash, never in a key or header. ' +
        'Generated from libs/events; do not edit by hand.',
    },
    defaultContentType: 'application/json',
    channels: {
      caseEvents: {
        address: CASE_EVENTS_TOPIC,
        title: 'Case events',
        description:
          'Keyed by case id. Topic names may carry a deployment prefix (KAFKA_TOPIC_PREFIX). ' +
          'Records that fail validation go to beacon.case-events.dlq.v1 with the reason.',
        messages: Object.fromEntries(
          specs.map((spec) => [spec.id, { $ref: `#/components/messages/${spec.id}` }]),
        ),
        bindings: {
          kafka: {
            bindingVersion: KAFKA_BINDING_VERSION,
            topicConfiguration: { 'retention.ms': -1 },
          },
        },
      },
    },
    operations: {
      publishCaseEvent: {
        action: 'send',
        channel: channelRef,
        summary:
          'Producers (intake-api through its outbox, alert-dispatcher) write the current version of a type.',
        messages: specs.filter((spec) => !spec.deprecated).map((spec) => messageRef(spec.id)),
      },
      consumeCaseEvent: {
        action: 'receive',
        channel: channelRef,
        summary:
          'Consumers validate every record again, upcast older versions and dead-letter what fails.',
        messages: specs.map((spec) => messageRef(spec.id)),
      },
    },
    components: {
      messages: Object.fromEntries(
        specs.map((spec) => [
          spec.id,
          {
            name: spec.type,
            title: title(spec.name, spec.version),
            summary: DESCRIPTIONS[spec.name],
            ...(spec.deprecated
              ? {
                  description: `Superseded by ${eventTypeOf(spec.name)}; still on the topic, upcast when read.`,
                }
              : {}),
            contentType: 'application/json',
            headers: headersSchema(spec.type),
            payload: { $ref: `#/components/schemas/${spec.type}` },
            bindings: {
              kafka: {
                bindingVersion: KAFKA_BINDING_VERSION,
                key: {
                  type: 'string',
                  format: 'uuid',
                  description: 'The case id, equal to ce_subject.',
                },
              },
            },
            examples: [
              {
                name: `${spec.id}Example`,
                headers: spec.example.headers,
                payload: spec.example.payload,
              },
            ],
          },
        ]),
      ),
      schemas: Object.fromEntries(
        Object.entries(schemas).map(([type, schema]) => [type, withoutDialect(schema)]),
      ),
    },
  };
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_.$-]*$/;
// YAML 1.1 readers take these as booleans or null when unquoted.
const AMBIGUOUS = /^(y|n|yes|no|on|off|true|false|null|~)$/i;

function yamlKey(key: string): string {
  return PLAIN_KEY.test(key) && !AMBIGUOUS.test(key) ? key : JSON.stringify(key);
}

function isBlock(value: unknown): value is object {
  if (Array.isArray(value)) return value.length > 0;
  return (
    typeof value === 'object' && value !== null && Object.values(value).some((v) => v !== undefined)
  );
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'object' && value !== null) return '{}';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return 'null';
}

function block(value: object, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    return value.flatMap((item: unknown) => {
      if (!isBlock(item)) return [`${pad}- ${inline(item)}`];
      const [first = '', ...rest] = block(item, indent + 2);
      return [`${pad}- ${first.slice(indent + 2)}`, ...rest];
    });
  }
  return Object.entries(value).flatMap(([key, item]: [string, unknown]) => {
    if (item === undefined) return [];
    if (!isBlock(item)) return [`${pad}${yamlKey(key)}: ${inline(item)}`];
    return [`${pad}${yamlKey(key)}:`, ...block(item, indent + 2)];
  });
}

/**
 * YAML for JSON data, with every string double-quoted (JSON escapes are valid YAML), so the
 * document needs no YAML library here and reads back exactly.
 */
export function toYaml(value: unknown): string {
  return isBlock(value) ? `${block(value, 0).join('\n')}\n` : `${inline(value)}\n`;
}
