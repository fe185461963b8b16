import {
  type Action,
  authorize,
  POLICY,
  type Referral,
} from '@beacon/access-policy';
import { ProblemException } from '@beacon/http';
import { authorizeOrThrow, type UserPrincipal } from '@beacon/identity';
import { Injectable } from '@nestjs/common';
import { ReferralsRepository } from '../referrals/referrals.repository';
import { caseResource } from './case-view.mapper';
import { type CaseRow, CasesRepository } from './cases.repository';

type CaseAction =
  'case.read' | 'case.read-identity' | 'case.timeline' | 'case.refer' | 'alert.read' | 'alert.ack';

export const caseNotFound = () =>
  new ProblemException(
    404,
    'not-found',
    'Case not found',
    'No case with this id has been projected (yet).',
  );

/** Refuses at once a role the action is never open to, before anything is looked up. */
export function assertRoleMay(principal: UserPrincipal, action: Action): void {
  if (POLICY[action][principal.role] === undefined) authorizeOrThrow(principal, action, {});
}

/**
 * Answers "may this caller do this to this case?" with the case's region and referrals, the way
 * every case endpoint asks it: role first (403), then existence (404), then scope (403).
 */
@Injectable()
export class CaseAccessService {
  constructor(
    private readonly cases: CasesRepository,
    private readonly referrals: ReferralsRepository,
  ) {}

  async authorizeCase(principal: UserPrincipal, action: CaseAction, caseId: string) {
    assertRoleMay(principal, action);
    const row = await this.cases.findCase(caseId);
    if (!row) throw caseNotFound();
    const resource = caseResource(row.region, await this.referrals.of(caseId));
    const decision = authorizeOrThrow(principal, action, resource);
    return { row, resource, decision };
  }

  /** For lists: the cases among `rows` the caller may `action`, with each decision. */
  async filterCases(principal: UserPrincipal, action: CaseAction, rows: readonly CaseRow[]) {
    const referrals = await this.referrals.ofCases(rows.map((r) => r.case_id));
    return rows.flatMap((row) => {
      const resource = caseResource(row.region, referrals.get(row.case_id) ?? []);
      const decision = authorize(principal, action, resource);
      return decision.allow ? [{ row, resource, decision }] : [];
    });
  }

  casesReferredTo(organisation: string): Promise<string[]> {
    return this.referrals.casesReferredTo(organisation);
  }

  referralsOf(caseIds: readonly string[]): Promise<Map<string, Referral[]>> {
    return this.referrals.ofCases(caseIds);
  }
}
