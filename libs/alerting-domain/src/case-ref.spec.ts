import fc from 'fast-check';
import { CASE_REF_PATTERN, caseRefOf } from './case-ref';

describe(caseRefOf.name, () => {
  it('is deterministic and ignores the spelling of the uuid', () => {
    const id = '0190f5a2-7c1e-7d7e-9c1a-5b3e2f1d4c6b';

    expect(caseRefOf(id)).toBe(caseRefOf(id));
    expect(caseRefOf(id.toUpperCase())).toBe(caseRefOf(id));
    expect(caseRefOf(` ${id} `)).toBe(caseRefOf(id));
  });

  it("always has the shape 'BCN-' and six digits", () => {
    fc.assert(fc.property(fc.uuid(), (id) => CASE_REF_PATTERN.test(caseRefOf(id))));
  });

  it('spreads uuids that differ only in their time prefix', () => {
    // uuid v7 ids minted in the same millisecond share their first 48 bits.
    const refs = new Set(
      Array.from({ length: 500 }, (_, n) =>
        caseRefOf(`0190f5a2-7c1e-7${n.toString(16).padStart(3, '0')}-9c1a-5b3e2f1d4c6b`),
      ),
    );

    expect(refs.size).toBeGreaterThan(490);
  });
});
