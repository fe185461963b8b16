import { type z } from 'zod';
import { type InvalidParam, validationProblem } from './problem';

/** Turns zod issues into RFC 9457 invalid-params with JSON-pointer names. */
export function invalidParamsOf(error: z.ZodError, prefix = ''): InvalidParam[] {
  return error.issues.flatMap((issue) => {
    const base = prefix + issue.path.map((p) => `/${String(p)}`).join('');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ name: `${base}/${key}`, reason: 'unknown field' }));
    }
    return [{ name: base || '/', reason: issue.message }];
  });
}

export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationProblem(invalidParamsOf(result.error, prefix));
  return result.data;
}
