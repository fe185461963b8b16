/** Who may do what to which case: the authorisation matrix as data, and one pure decision function. */

export const ROLES = ['hotline', 'officer', 'legal-aid', 'ops', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = [
  'report.write',
  'case.read',
  'case.read-identity',
  'case.timeline',
  'case.refer',
  'alert.read',
  'alert.ack',
  'stats.read',
  'pipeline.read',
  'audit.read',
  'users.manage',
  'persons.erase',
  'dlq.manage',
  'projections.rebuild',
] as const;
export type Action = (typeof ACTIONS)[number];

/** Identifying fields: encrypted under the person's key, released only by `case.read-identity`. */
export const IDENTITY_FIELDS = [
  'name',
  'dateOfBirth',
  'registrationNumber',
  'phone',
  'notes',
] as const;
export type IdentityField = (typeof IDENTITY_FIELDS)[number];

/** The rest of a case view: coded facts, district-level places, status and the alert history. */
export const CASE_FIELDS = [
  'status',
  'urgency',
  'custody',
  'location',
  'access',
  'removal',
  'legal',
  'treatment',
  'interventions',
  'alerts',
  'timeline',
] as const;
export type CaseField = (typeof CASE_FIELDS)[number];
export type Field = IdentityField | CaseField;

/** An authenticated caller. Region `*` means every region (national staff). */
export interface Principal {
  userId: string;
  role: Role;
  regions: readonly string[];
  /** Legal-aid partners only: the organisation cases are referred to. */
  organisation?: string | null;
}

/** A referral of a case to a legal-aid organisation, covering some fields only. */
export interface Referral {
  organisation: string;
  fields: readonly Field[];
}

export interface CaseResource {
  region: string;
  referrals?: readonly Referral[];
}

/** What each action is about. Aggregates, pipeline and administration concern no one case. */
export type ResourceOf<A extends Action> = A extends 'report.write'
  ? { region: string }
  : A extends
        | 'case.read'
        | 'case.read-identity'
        | 'case.timeline'
        | 'case.refer'
        | 'alert.read'
        | 'alert.ack'
    ? CaseResource
    : A extends 'stats.read'
      ? { region?: string }
      : Record<string, never>;

export type Decision =
  | { allow: true; fields?: readonly Field[] }
  | { allow: false; status: 401 | 403; reason: DenyReason };

export type DenyReason = 'unauthenticated' | 'role' | 'region' | 'not-referred' | 'fields';

/**
 * How a role reaches an action: `all` (anywhere), `region` (only in its regions), `referral`
 * (only cases referred to its organisation, only the referred fields), or not at all.
 */
export type Reach = 'all' | 'region' | 'referral';

export const POLICY: Readonly<Record<Action, Readonly<Partial<Record<Role, Reach>>>>> = {
  'report.write': { hotline: 'region' },
  'case.read': { officer: 'region', 'legal-aid': 'referral', admin: 'all' },
  'case.read-identity': { officer: 'region', 'legal-aid': 'referral', admin: 'all' },
  'case.timeline': { officer: 'region', 'legal-aid': 'referral', admin: 'all' },
  // Referring a case to a legal-aid organisation shares it: the officers of its region decide.
  'case.refer': { officer: 'region', admin: 'all' },
  // Alerts carry ids, codes and urgency only, so ops may watch them as pipeline health.
  'alert.read': { officer: 'region', 'legal-aid': 'referral', ops: 'all', admin: 'all' },
  // Acknowledging means "I have it": only the responders who are paged.
  'alert.ack': { officer: 'region', 'legal-aid': 'referral' },
  'stats.read': { officer: 'region', ops: 'all', admin: 'all' },
  'pipeline.read': { ops: 'all', admin: 'all' },
  'audit.read': { admin: 'all' },
  'users.manage': { admin: 'all' },
  'persons.erase': { admin: 'all' },
  'dlq.manage': { ops: 'all', admin: 'all' },
  'projections.rebuild': { ops: 'all', admin: 'all' },
};

/** Roles that can ever see identifying data; they must log in with a second factor. */
export const ROLES_READING_IDENTITY: readonly Role[] = ROLES.filter(
  (role) => POLICY['case.read-identity'][role] !== undefined,
);

export function requiresSecondFactor(role: Role): boolean {
  return ROLES_READING_IDENTITY.includes(role);
}

const FIELDS_OF_ACTION: Partial<Record<Action, readonly Field[]>> = {
  'case.read': CASE_FIELDS.filter((f) => f !== 'timeline'),
  'case.read-identity': IDENTITY_FIELDS,
  'case.timeline': ['timeline'],
};

export function inRegion(principal: Principal, region: string): boolean {
  return principal.regions.includes('*') || principal.regions.includes(region);
}

/** The single decision every endpoint asks for, with the resource it is about. */
export function authorize<A extends Action>(
  principal: Principal | null | undefined,
  action: A,
  resource: ResourceOf<A>,
): Decision {
  if (!principal) return { allow: false, status: 401, reason: 'unauthenticated' };
  const reach = POLICY[action][principal.role];
  if (reach === undefined) return { allow: false, status: 403, reason: 'role' };
  const scoped = resource as { region?: string; referrals?: readonly Referral[] };
  switch (reach) {
    case 'all':
      return allowed(action);
    case 'region':
      if (scoped.region !== undefined && !inRegion(principal, scoped.region)) {
        return { allow: false, status: 403, reason: 'region' };
      }
      // Without a region (a national total) a regional role may not read it.
      if (
        scoped.region === undefined &&
        action === 'stats.read' &&
        !principal.regions.includes('*')
      ) {
        return { allow: false, status: 403, reason: 'region' };
      }
      return allowed(action);
    case 'referral': {
      const organisation = principal.organisation;
      const referral = organisation
        ? scoped.referrals?.find((r) => r.organisation === organisation)
        : undefined;
      if (!referral) return { allow: false, status: 403, reason: 'not-referred' };
      const scope = FIELDS_OF_ACTION[action];
      if (!scope) return { allow: true };
      const fields = scope.filter((f) => referral.fields.includes(f));
      if (fields.length === 0) return { allow: false, status: 403, reason: 'fields' };
      return { allow: true, fields };
    }
  }
}

function allowed(action: Action): Decision {
  const fields = FIELDS_OF_ACTION[action];
  return fields ? { allow: true, fields } : { allow: true };
}

/**
 * Shapes a view before it is sent: the case fields the decision allows, plus the named
 * non-personal keys (ids, region). Anything else is dropped, so a field added to a view later
 * stays hidden until someone decides who may see it.
 */
export function pickFields<T extends object>(
  view: T,
  decision: Decision,
  keep: readonly string[] = ['caseId', 'caseRef', 'incidentId', 'region', 'personRef'],
): Partial<T> {
  if (!decision.allow) return {};
  const visible = new Set<string>([
    ...keep,
    ...(decision.fields ?? [...CASE_FIELDS, ...IDENTITY_FIELDS]),
  ]);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(view)) if (visible.has(key)) out[key] = value;
  return out as Partial<T>;
}
