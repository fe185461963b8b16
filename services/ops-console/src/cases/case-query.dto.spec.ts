import { ProblemException } from '@beacon/http';
import { caseListQuerySchema, decodeCursor, encodeCursor } from './case-query.dto';

describe('case list query', () => {
  it('reads filters, comma-separated lists and the page size', () => {
    const sut = caseListQuerySchema.parse({
      region: 'almaty',
      urgency: 'critical,high',
      custody: 'detained',
      closed: 'false',
      updatedSince: '2024-05-01T10:00:00+05:00',
      limit: '20',
    });

    expect(sut).toEqual({
      region: 'almaty',
      urgency: ['critical', 'high'],
      custody: ['detained'],
      closed: false,
      updatedSince: new Date('2024-05-01T05:00:00Z'),
      limit: 20,
    });
  });

  it.each([
    [{ urgency: 'urgent' }, '/urgency/0'],
    [{ limit: '500' }, '/limit'],
    [{ updatedSince: 'yesterday' }, '/updatedSince'],
    [{ region: 'Almaty City' }, '/region'],
    [{ sort: 'name' }, '/sort'],
  ])('names what is wrong in %j', (query, where) => {
    const result = caseListQuerySchema.safeParse(query);

    expect(result.success).toBe(false);
    expect(
      result.error?.issues.map((i) => `/${[...i.path, ...('keys' in i ? i.keys : [])].join('/')}`),
    ).toContain(where);
  });
});

describe('case list cursor', () => {
  it('round-trips the position of the last case of a page', () => {
    const cursor = {
      updatedAt: new Date('2024-05-01T10:00:00.123Z'),
      caseId: '5f0c2a7e-8d41-4b6a-9c3e-1a2b3c4d5e6f',
    };

    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it('answers 400 naming the cursor for one it did not issue', () => {
    let thrown: unknown;
    try {
      decodeCursor('bm90LWEtY3Vyc29y');
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(ProblemException);
    expect((thrown as ProblemException).getStatus()).toBe(400);
    expect((thrown as ProblemException).extensions['invalid-params']).toEqual([
      { name: 'cursor', reason: expect.any(String) },
    ]);
  });
});
