import fc from 'fast-check';
import {
  ACTIONS,
  authorize,
  CASE_FIELDS,
  IDENTITY_FIELDS,
  pickFields,
  requiresSecondFactor,
  ROLES,
  type Action,
  type Field,
  type Principal,
  type Role,
} from '../index';

/**
 * The matrix restated by hand, independent of POLICY: "any" anywhere, "own" in the
 * principal's regions, "referred" for cases referred to its organisation, "-" never.
 */
// prettier-ignore
const EXPECTED: Record<Action, Record<Role, 'any' | 'own' | 'referred' | '-'>> = {
  //                          hotline  officer   legal-aid    ops    admin
  'report.write':        row('own',   '-',      '-',         '-',   '-'),
  'case.read':           row('-',     'own',    'referred',  '-',   'any'),
  'case.read-identity':  row('-',     'own',    'referred',  '-',   'any'),
  'case.timeline':       row('-',     'own',    'referred',  '-',   'any'),
  'case.refer':          row('-',     'own',    '-',         '-',   'any'),
  'alert.read':          row('-',     'own',    'referred',  'any', 'any'),
  'alert.ack':           row('-',     'own',    'referred',  '-',   '-'),
  'stats.read':          row('-',     'own',    '-',         'any', 'any'),
  'pipeline.read':       row('-',     '-',      '-',         'any', 'any'),
  'audit.read':          row('-',     '-',      '-',         '-',   'any'),
  'users.manage':        row('-',     '-',      '-',         '-',   'any'),
  'persons.erase':       row('-',     '-',      '-',         '-',   'any'),
  'dlq.manage':          row('-',     '-',      '-',         'any', 'any'),
  'projections.rebuild': row('-',     '-',      '-',         'any', 'any'),
};
function row(hotline: string, officer: string, legalAid: string, ops: string, admin: string) {
  return { hotline, officer, 'legal-aid': legalAid, ops, admin } as Record<
    Role,
    'any' | 'own' | 'referred' | '-'
  >;
}

const IDENTITY: readonly string[] = ['name', 'dateOfBirth', 'registrationNumber', 'phone', 'notes'];
const scopeOf = (action: Action): readonly string[] | undefined =>
  action === 'case.read-identity'
    ? IDENTITY
    : action === 'case.timeline'
      ? ['timeline']
      : action === 'case.read'
        ? CASE_FIELDS.filter((f) => f !== 'timeline')
        : undefined;

const REGIONS = ['almaty', 'astana', 'bishkek', 'tashkent'] as const;
const ALL_FIELDS: Field[] = [...CASE_FIELDS, ...IDENTITY_FIELDS];

describe(authorize.name, () => {
  it('answers every role × action × region (in/out) × referral as the hand-written matrix says', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ROLES),
        fc.constantFrom(...ACTIONS),
        fc.subarray([...REGIONS], { minLength: 1 }),
        fc.boolean(), // national staff ('*')
        fc.constantFrom(...REGIONS),
        fc.constantFrom('legal-one', 'legal-two'),
        fc.array(
          fc.record({
            organisation: fc.constantFrom('legal-one', 'legal-two'),
            fields: fc.subarray(ALL_FIELDS),
          }),
          { maxLength: 2 },
        ),
        fc.boolean(), // stats without a region
        (role, action, regions, national, region, organisation, referrals, nationalStats) => {
          const principal: Principal = {
            userId: 'u1',
            role,
            regions: national ? ['*'] : regions,
            organisation: role === 'legal-aid' ? organisation : null,
          };
          const resource = action === 'stats.read' && nationalStats ? {} : { region, referrals };
          const sut = authorize(principal, action, resource as never);

          const rule = EXPECTED[action][role];
          const regionOk = national || regions.includes(region);
          const referral = referrals.find((r) => r.organisation === organisation);
          const scope = scopeOf(action);
          let expected: { allow: boolean; status?: number; fields?: readonly string[] };
          if (rule === '-') expected = { allow: false, status: 403 };
          else if (rule === 'any') expected = { allow: true, fields: scope };
          else if (rule === 'own') {
            const ok = action === 'stats.read' && nationalStats ? national : regionOk;
            expected = ok ? { allow: true, fields: scope } : { allow: false, status: 403 };
          } else if (!referral) expected = { allow: false, status: 403 };
          else if (!scope) expected = { allow: true };
          else {
            const fields = scope.filter((f) => (referral.fields as readonly string[]).includes(f));
            expected = fields.length > 0 ? { allow: true, fields } : { allow: false, status: 403 };
          }

          expect(sut.allow).toBe(expected.allow);
          if (sut.allow) expect(sut.fields).toEqual(expected.fields);
          else expect(sut.status).toBe(expected.status);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('answers 401 to no principal, whatever the action', () => {
    for (const action of ACTIONS) {
      expect(authorize(null, action, { region: 'almaty' })).toEqual({
        allow: false,
        status: 401,
        reason: 'unauthenticated',
      });
    }
  });

  it('names why it refuses', () => {
    const officer: Principal = { userId: 'o', role: 'officer', regions: ['almaty'] };
    const lawyer: Principal = {
      userId: 'l',
      role: 'legal-aid',
      regions: [],
      organisation: 'legal-one',
    };
    expect(authorize(officer, 'case.read', { region: 'astana' })).toMatchObject({
      reason: 'region',
    });
    expect(authorize(officer, 'audit.read', {})).toMatchObject({ reason: 'role' });
    expect(authorize(lawyer, 'case.read', { region: 'almaty' })).toMatchObject({
      reason: 'not-referred',
    });
    expect(
      authorize(lawyer, 'case.read-identity', {
        region: 'almaty',
        referrals: [{ organisation: 'legal-one', fields: ['custody'] }],
      }),
    ).toMatchObject({ reason: 'fields' });
    // A lawyer without an organisation is referred nothing, even a case referred to "no one".
    expect(
      authorize({ ...lawyer, organisation: null }, 'case.read', {
        region: 'almaty',
        referrals: [{ organisation: '', fields: ['custody'] }],
      }),
    ).toMatchObject({ reason: 'not-referred' });
  });

  it('requires a second factor of exactly the roles that can read identifying data', () => {
    expect(ROLES.filter(requiresSecondFactor)).toEqual(['officer', 'legal-aid', 'admin']);
  });
});

describe(pickFields.name, () => {
  const view = {
    caseId: 'c1',
    region: 'almaty',
    custody: 'detained',
    timeline: [],
    name: 'x',
    internal: 'never sent',
  };

  it('keeps the allowed fields and the named ids, and drops everything else', () => {
    const lawyer: Principal = {
      userId: 'l',
      role: 'legal-aid',
      regions: [],
      organisation: 'legal-one',
    };
    const decision = authorize(lawyer, 'case.read', {
      region: 'almaty',
      referrals: [{ organisation: 'legal-one', fields: ['custody'] }],
    });
    expect(pickFields(view, decision)).toEqual({
      caseId: 'c1',
      region: 'almaty',
      custody: 'detained',
    });
    expect(pickFields(view, { allow: false, status: 403, reason: 'role' })).toEqual({});
    expect(pickFields(view, { allow: true })).toEqual({
      caseId: 'c1',
      region: 'almaty',
      custody: 'detained',
      timeline: [],
      name: 'x',
    });
  });
});
