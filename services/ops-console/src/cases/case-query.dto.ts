import { ProblemException } from '@beacon/http';
import { z } from 'zod';

export const URGENCIES = ['routine', 'high', 'critical'] as const;
export const CUSTODIES = ['at-liberty', 'detained', 'released', 'removed'] as const;

/** A comma-separated list of allowed values, e.g. `urgency=critical,high`. */
const listOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((v) => v.split(',').map((x) => x.trim()))
    .pipe(z.array(z.enum(values)).min(1).max(values.length));

export const caseListQuerySchema = z.strictObject({
  region: z
    .string()
    .max(48)
    .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'Expected a region slug such as "almaty"')
    .optional(),
  urgency: listOf(URGENCIES).optional(),
  custody: listOf(CUSTODIES).optional(),
  closed: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  incidentId: z.uuid().optional(),
  updatedSince: z.iso
    .datetime({ offset: true })
    .transform((v) => new Date(v))
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export type CaseListQuery = z.output<typeof caseListQuerySchema>;

/** Where a page ends in (updated_at DESC, case_id DESC) order; opaque to clients. */
export interface CaseCursor {
  updatedAt: Date;
  caseId: string;
}

export function encodeCursor(cursor: CaseCursor): string {
  return Buffer.from(JSON.stringify([cursor.updatedAt.toISOString(), cursor.caseId])).toString(
    'base64url',
  );
}

const cursorSchema = z.tuple([z.iso.datetime(), z.uuid()]);

export function decodeCursor(raw: string): CaseCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success) {
    throw new ProblemException(
      400,
      'validation',
      'Invalid request',
      'The cursor is not one this API returned.',
      {
        'invalid-params': [{ name: 'cursor', reason: 'not a cursor returned by GET /v1/cases' }],
      },
    );
  }
  return { updatedAt: new Date(result.data[0]), caseId: result.data[1] };
}
