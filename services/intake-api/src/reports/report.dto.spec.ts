import { EXAMPLES } from '@beacon/events';
import { FACT_TYPES, batchInputSchema, factInputSchema, reportInputSchema } from './report.dto';
import { EXAMPLE_REPORT } from '../docs/openapi.document';

/** A fact as a hotline sends it: the catalogue example without what intake fills in. */
function factFromExample(type: (typeof FACT_TYPES)[number]): Record<string, unknown> {
  const {
    context: _context,
    notes: _notes,
    ...fields
  } = EXAMPLES[type].data as Record<string, unknown>;
  if (type === 'record-erased') delete fields.personRef;
  if (type === 'intervention-logged') {
    const { type: interventionType, ...rest } = fields;
    return { type, interventionType, ...rest };
  }
  return { type, ...fields };
}

describe('factInputSchema', () => {
  it.each(FACT_TYPES)('accepts %s with the catalogue’s own example fields', (type) => {
    expect(factInputSchema.safeParse(factFromExample(type)).error?.issues ?? []).toEqual([]);
  });

  it('takes notes as plain text, which intake seals, never as a sealed value', () => {
    const fact = factFromExample('detention-reported');

    expect(factInputSchema.safeParse({ ...fact, notes: 'men in masks' }).success).toBe(true);
    expect(
      factInputSchema.safeParse({ ...fact, notes: EXAMPLES['detention-reported'].data.notes })
        .success,
    ).toBe(false);
  });

  it('leaves the context, and the person reference of an erasure, to intake', () => {
    const withContext = { ...factFromExample('released'), context: EXAMPLES.released.data.context };
    const erasure = { ...factFromExample('record-erased'), personRef: 'p_Xq7Lm2Vt9KcR4wZs' };

    expect(factInputSchema.safeParse(withContext).error?.issues[0]).toMatchObject({
      code: 'unrecognized_keys',
      keys: ['context'],
    });
    expect(factInputSchema.safeParse(erasure).error?.issues[0]).toMatchObject({
      code: 'unrecognized_keys',
      keys: ['personRef'],
    });
  });

  it('names the intervention’s own type interventionType, since type names the fact', () => {
    const fact = {
      type: 'intervention-logged',
      interventionType: 'protest-note',
      actor: 'unhcr',
      response: 'none',
    };

    expect(factInputSchema.parse(fact)).toEqual(fact);
    expect(
      factInputSchema.safeParse({ ...fact, interventionType: 'phone-call' }).error?.issues[0]?.path,
    ).toEqual(['interventionType']);
  });

  it('does not take person-identified as a fact: people go in persons', () => {
    expect(factInputSchema.safeParse({ type: 'person-identified' }).error?.issues[0]?.path).toEqual(
      ['type'],
    );
  });
});

describe('reportInputSchema', () => {
  it('accepts an offset in occurredAt and fills the person defaults', () => {
    const parsed = reportInputSchema.parse({
      ...EXAMPLE_REPORT,
      persons: [{ unhcrStatus: 'refugee' }],
    });

    expect(parsed.persons[0]).toMatchObject({
      sex: 'unknown',
      ageBand: 'unknown',
      dependantsAffected: 0,
    });
  });

  it('refuses notes over 3000 bytes even under 1000 characters', () => {
    const result = reportInputSchema.safeParse({
      ...EXAMPLE_REPORT,
      persons: [{ unhcrStatus: 'refugee', notes: '😀'.repeat(800) }],
    });

    expect(result.error?.issues.map((i) => i.path.join('/'))).toEqual(['persons/0/notes']);
  });

  it('refuses a batch of more than 100', () => {
    expect(
      batchInputSchema.safeParse({ reports: Array.from({ length: 101 }, () => EXAMPLE_REPORT) })
        .error?.issues[0]?.path,
    ).toEqual(['reports']);
    expect(
      batchInputSchema.safeParse({ reports: Array.from({ length: 100 }, () => EXAMPLE_REPORT) })
        .success,
    ).toBe(true);
  });
});
