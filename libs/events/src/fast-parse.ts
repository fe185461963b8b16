import { type z } from 'zod';

/**
 * A quicker first try at `schema.safeParse(value)` for the schemas of the catalogue, which every
 * consumed event passes through (a rebuild replays millions). Compiled once per schema from zod's
 * own definitions, for the kinds the catalogue uses (strict objects, strings, numbers, booleans,
 * enums, literals, optional, nullable, unions, arrays); each check (formats, patterns, lengths,
 * bounds, refinements) is zod's own check object, run as zod runs it. It only ever says "valid,
 * and this is what zod's output would be": anything it does not accept, or a schema it cannot
 * compile, goes to zod itself, which alone decides what is invalid and why.
 */
export function fastParse(schema: z.ZodType, value: unknown): { data: unknown } | null {
  let parse = compiled.get(schema);
  if (parse === undefined) {
    parse = compile(schema);
    compiled.set(schema, parse);
  }
  if (parse === null) return null;
  try {
    const out = parse(value);
    return out === UNSURE ? null : { data: out };
  } catch {
    return null;
  }
}

/** "Not accepted here": zod decides. */
const UNSURE: unique symbol = Symbol('unsure');
type Parse = (value: unknown) => unknown;

interface Payload {
  value: unknown;
  issues: unknown[];
}

interface Check {
  _zod: { check?: (payload: Payload) => unknown; def: { check?: string } };
}

interface Internals {
  def: {
    type: string;
    coerce?: boolean;
    checks?: Check[];
    shape?: Record<string, z.ZodType>;
    catchall?: z.ZodType;
    innerType?: z.ZodType;
    options?: z.ZodType[];
    element?: z.ZodType;
  };
  traits: Set<string>;
  optin?: 'optional' | 'defaulted';
  optout?: 'optional';
  values?: Set<unknown>;
}

const compiled = new WeakMap<z.ZodType, Parse | null>();

function internals(schema: z.ZodType): Internals {
  return (schema as unknown as { _zod: Internals })._zod;
}

/** Runs a node's checks as zod does for a valid value: all of them, none may report an issue or change it. */
function withChecks(schema: z.ZodType, parse: Parse): Parse | null {
  const zod = internals(schema);
  const checks: Check[] = [
    ...(zod.traits.has('$ZodCheck') ? [schema as unknown as Check] : []),
    ...(zod.def.checks ?? []),
  ];
  if (checks.length === 0) return parse;
  const run = checks.map((check) => check._zod.check);
  if (run.some((fn) => typeof fn !== 'function')) return null;
  const fns = run as ((payload: Payload) => unknown)[];
  // One payload per node, reused: checks run after the value (and anything nested) is parsed.
  const payload: Payload = { value: undefined, issues: [] };
  return (value) => {
    const out = parse(value);
    if (out === UNSURE) return UNSURE;
    payload.value = out;
    payload.issues.length = 0;
    for (const fn of fns) {
      if (fn(payload) instanceof Promise || payload.issues.length > 0 || payload.value !== out)
        return UNSURE;
    }
    return out;
  };
}

function compile(schema: z.ZodType): Parse | null {
  const zod = internals(schema);
  const { def, traits } = zod;
  if (def.coerce) return null;
  switch (def.type) {
    case 'string':
      return withChecks(schema, (v) => (typeof v === 'string' ? v : UNSURE));
    case 'number':
      return withChecks(schema, (v) => (typeof v === 'number' && Number.isFinite(v) ? v : UNSURE));
    case 'boolean':
      return withChecks(schema, (v) => (typeof v === 'boolean' ? v : UNSURE));
    case 'unknown':
      return withChecks(schema, (v) => v);
    case 'enum':
    case 'literal': {
      const values = zod.values;
      if (!(values instanceof Set)) return null;
      return withChecks(schema, (v) => (values.has(v) ? v : UNSURE));
    }
    case 'optional': {
      if (!traits.has('$ZodOptional') || traits.has('$ZodExactOptional') || !def.innerType)
        return null;
      if (internals(def.innerType).optin === 'defaulted') return null;
      const inner = compile(def.innerType);
      return inner && withChecks(schema, (v) => (v === undefined ? undefined : inner(v)));
    }
    case 'nullable': {
      if (!def.innerType) return null;
      const inner = compile(def.innerType);
      return inner && withChecks(schema, (v) => (v === null ? null : inner(v)));
    }
    case 'union': {
      if (traits.has('$ZodXor') || traits.has('$ZodDiscriminatedUnion') || !def.options)
        return null;
      const options = def.options.map(compile);
      if (options.some((o) => o === null)) return null;
      const parses = options as Parse[];
      // zod takes the first option that accepts.
      return withChecks(schema, (v) => {
        for (const parse of parses) {
          const out = parse(v);
          if (out !== UNSURE) return out;
        }
        return UNSURE;
      });
    }
    case 'array': {
      if (!def.element) return null;
      const element = compile(def.element);
      if (element === null) return null;
      return withChecks(schema, (v) => {
        if (!Array.isArray(v)) return UNSURE;
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          const item: unknown = v[i];
          // Absent items have rules of their own in zod.
          if (item === undefined) return UNSURE;
          const parsed = element(item);
          if (parsed === UNSURE) return UNSURE;
          out[i] = parsed;
        }
        return out;
      });
    }
    case 'object':
      return compileObject(schema);
    default:
      return null;
  }
}

/** Strict objects only: the output has the shape's keys, in the shape's order, where the input has them. */
function compileObject(schema: z.ZodType): Parse | null {
  const { def } = internals(schema);
  if (!def.shape || !def.catchall || internals(def.catchall).def.type !== 'never') return null;
  const fields: { key: string; required: boolean; parse: Parse }[] = [];
  for (const key of Object.keys(def.shape)) {
    const field = def.shape[key]!;
    const { optin, optout } = internals(field);
    const parse = compile(field);
    if (parse === null || key === '__proto__') return null;
    if (optin === undefined) fields.push({ key, required: true, parse });
    else if (optin === 'optional' && optout === 'optional')
      fields.push({ key, required: false, parse });
    else return null;
  }
  if (Object.getOwnPropertySymbols(def.shape).length > 0) return null;
  return withChecks(schema, (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return UNSURE;
    const input = v as Record<string, unknown>;
    // Counted, not looked up one by one: the shape's keys that are present must be all there is.
    let keys = 0;
    for (const _key in input) keys++;
    let present = 0;
    const out: Record<string, unknown> = {};
    for (const { key, required, parse } of fields) {
      const value = input[key];
      if (value === undefined) {
        // An explicit undefined has rules of its own in zod; an absent required key is an issue.
        if (required || key in input) return UNSURE;
        continue;
      }
      if (!Object.prototype.hasOwnProperty.call(input, key)) return UNSURE;
      present++;
      const parsed = parse(value);
      if (parsed === UNSURE) return UNSURE;
      out[key] = parsed;
    }
    if (present !== keys) return UNSURE;
    return out;
  });
}
