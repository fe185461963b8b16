import { z } from 'zod';
import { idempotencyKeySchema } from '../reports/reports.controller';
import {
  FACT_TYPES,
  MAX_BATCH,
  batchAcceptedSchema,
  batchInputSchema,
  reportAcceptedSchema,
  reportInputSchema,
  reportStatusSchema,
} from '../reports/report.dto';

export const problemSchema = z.object({
  type: z.url(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  /** Each invalid part of the request: a JSON pointer into the body, or a header or parameter name. */
  'invalid-params': z.array(z.object({ name: z.string(), reason: z.string() })).optional(),
});

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of what a client sends: defaults make fields optional. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

/** Fictional: the Almaty night raid, one of the five men. */
export const EXAMPLE_REPORT = {
  occurredAt: '2009-03-12T00:00:00+06:00',
  timeBand: 'night',
  region: 'almaty',
  source: { role: 'family', reliability: 'credible', channel: 'call', language: 'ru' },
  recordedBy: 'operator-17',
  persons: [
    {
      name: 'Rustam Karimov',
      registrationNumber: '123-09C00481',
      unhcrStatus: 'refugee',
      countryOfOrigin: 'UZ',
      sex: 'male',
      ageBand: '18-59',
    },
  ],
  facts: [
    {
      type: 'detention-reported',
      place: { region: 'almaty', district: 'bostandyk' },
      authority: 'unidentified-armed-men',
      manner: 'home-raid',
      statedReason: 'none-given',
      witnesses: 4,
      notes: 'Taken from his flat by men in masks, no documents shown',
    },
    {
      type: 'access-status-updated',
      family: 'denied',
      lawyer: 'denied',
      unhcr: 'denied',
      ngo: 'denied',
    },
  ],
};

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const json = (ref: string, description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Retries with the same key and body within 24 hours get the first answer and write nothing; ' +
    'the same key with another body is 422; while the first request is still running, 409 with Retry-After.',
  schema: jsonSchema(idempotencyKeySchema, 'input'),
};

const writeResponses = {
  '400': problem(
    'Invalid body: `invalid-params` names each invalid field by JSON pointer; unknown fields are rejected.',
  ),
  '401': problem('No API key, or an unknown or revoked one.'),
  '403': problem('The key may not report for this region or event type.'),
  '409': problem(
    'A request with this Idempotency-Key is still in progress: retry after Retry-After seconds.',
  ),
  '413': problem('The body is over the size limit.'),
  '415': problem('The body is not application/json.'),
  '422': problem('This Idempotency-Key was used for a different body.'),
  '429': problem("Over the hotline's rate limit: retry after Retry-After seconds."),
};

/** The OpenAPI 3.1 description of intake's REST API, generated from the same zod schemas that validate requests. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Beacon intake API',
      version: '1.0.0',
      description:
        'Hotlines post reports of detention, ill-treatment and removal threats. A report is accepted ' +
        '(202) once its events are committed; they reach Kafka afterwards, also when Kafka was down at ' +
        `the time. Every error is RFC 9457 problem+json. Fact types: ${FACT_TYPES.join(', ')}.`,
    },
    servers: [{ url: '/' }],
    security: [{ hotlineKey: [] }],
    paths: {
      '/v1/reports': {
        post: {
          operationId: 'submitReport',
          summary: 'Submit one report',
          description:
            'One event per fact per person, each person on their own case, all linked by one incident id. ' +
            'A person whose UNHCR registration number is in an open case joins that case.',
          parameters: [idempotencyKey],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/Report' },
                example: EXAMPLE_REPORT,
              },
            },
          },
          responses: {
            '202': json('ReportAccepted', 'Committed; the events will be published.'),
            ...writeResponses,
          },
        },
      },
      '/v1/reports/batch': {
        post: {
          operationId: 'submitReportBatch',
          summary: `Submit up to ${MAX_BATCH} reports at once, all or none`,
          parameters: [idempotencyKey],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/ReportBatch' },
                example: { reports: [EXAMPLE_REPORT] },
              },
            },
          },
          responses: { '202': json('BatchAccepted', 'Every report committed.'), ...writeResponses },
        },
      },
      '/v1/reports/{id}': {
        get: {
          operationId: 'reportStatus',
          summary: 'Whether a report is published, and which cases and incident it joined',
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
          ],
          responses: {
            '200': json('ReportStatus', "The report's status."),
            '400': problem('The id is not a uuid.'),
            '401': problem('No API key, or an unknown or revoked one.'),
            '404': problem('No such report from this hotline.'),
            '429': problem("Over the hotline's rate limit."),
          },
        },
      },
      '/health/live': {
        get: {
          operationId: 'live',
          summary: 'The process runs',
          security: [],
          responses: { '200': { description: 'Alive.' } },
        },
      },
      '/health/ready': {
        get: {
          operationId: 'ready',
          summary: 'Reports can be committed; includes the outbox backlog',
          security: [],
          responses: {
            '200': { description: 'Ready.' },
            '503': { description: 'The database is unreachable.' },
          },
        },
      },
    },
    components: {
      securitySchemes: {
        hotlineKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'A per-hotline API key, issued with `beacon keys issue`.',
        },
      },
      schemas: {
        Report: jsonSchema(reportInputSchema, 'input'),
        ReportBatch: jsonSchema(batchInputSchema, 'input'),
        ReportAccepted: jsonSchema(reportAcceptedSchema, 'output'),
        BatchAccepted: jsonSchema(batchAcceptedSchema, 'output'),
        ReportStatus: jsonSchema(reportStatusSchema, 'output'),
        Problem: jsonSchema(problemSchema, 'output'),
      },
    },
  };
}
