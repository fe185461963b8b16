import { z } from 'zod';
import { ProblemException } from './problem';
import { invalidParamsOf, parseOrThrow } from './zod-problem';

const schema = z.strictObject({ region: z.string(), persons: z.array(z.strictObject({ age: z.number() })) });

describe(invalidParamsOf.name, () => {
  it('names each invalid field with a JSON pointer, unknown fields one by one', () => {
    const result = schema.safeParse({ persons: [{ age: 'x', nickname: 'y' }], extra: 1 });
    expect(result.success).toBe(false);
    const sut = invalidParamsOf(result.error!);
    expect(sut.map((p) => p.name).sort()).toEqual(['/extra', '/persons/0/age', '/persons/0/nickname', '/region']);
    expect(sut.find((p) => p.name === '/extra')?.reason).toBe('unknown field');
  });
});

describe(parseOrThrow.name, () => {
  it('throws a 400 problem listing the invalid params', () => {
    let thrown: unknown;
    try {
      parseOrThrow(schema, { region: 1, persons: [] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProblemException);
    const problem = thrown as ProblemException;
    expect(problem.getStatus()).toBe(400);
    expect(problem.extensions['invalid-params']).toEqual([{ name: '/region', reason: expect.any(String) }]);
  });

  it('returns the parsed value when valid', () => {
    expect(parseOrThrow(schema, { region: 'almaty', persons: [{ age: 3 }] })).toEqual({ region: 'almaty', persons: [{ age: 3 }] });
  });
});
