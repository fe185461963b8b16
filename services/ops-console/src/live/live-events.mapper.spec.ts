import { type Referral } from '@beacon/access-policy';
import { type UserPrincipal } from '@beacon/identity';
import { type CaseRow } from '../cases/cases.repository';
import { type LiveChange, sseFrame, visibleEvents } from './live-events.mapper';

const principal = (role: UserPrincipal['role'], regions: string[], organisation: string | null = null): UserPrincipal => ({
  userId: `u-${role}`,
  role,
  regions,
  organisation,
  amr: ['pwd'],
  sessionId: 's1',
});

const caseRow = (caseId: string, region: string): CaseRow => ({
  case_id: caseId,
  incident_id: null,
  person_ref: `p_${caseId.slice(0, 4)}`,
  region,
  custody: 'detained',
  location_status: 'unknown',
  access: 'incommunicado',
  removal_risk: 'threatened',
  closed: false,
  urgency: 'critical',
  urgency_reasons: ['incommunicado'],
  opened_at: new Date('2026-11-27T23:40:00Z'),
  last_occurred_at: new Date('2026-11-27T23:40:00Z'),
  updated_at: new Date('2026-11-27T23:41:00Z'),
  event_count: 3,
});

const ALMATY_CASE = '11111111-1111-4111-8111-111111111111';
const BISHKEK_CASE = '22222222-2222-4222-8222-222222222222';

const changes: LiveChange[] = [
  { kind: 'alert', alert: { alertId: 'a1', caseId: ALMATY_CASE, region: 'almaty', urgency: 'critical' } },
  { kind: 'alert', alert: { alertId: 'a2', caseId: BISHKEK_CASE, region: 'bishkek', urgency: 'critical' } },
  { kind: 'case', row: caseRow(ALMATY_CASE, 'almaty') },
  { kind: 'case', row: caseRow(BISHKEK_CASE, 'bishkek') },
  { kind: 'alert-closed', alert: { alertId: 'a3', caseId: BISHKEK_CASE, region: 'bishkek' } },
];

const noReferrals = new Map<string, Referral[]>();
const summary = (e: { event: string; data: unknown }) =>
  `${e.event}:${(e.data as { alertId?: string; caseId: string }).alertId ?? (e.data as { caseId: string }).caseId}`;

describe('visibleEvents', () => {
  it('gives an officer the alerts and cases of their region only', () => {
    const sut = visibleEvents(principal('officer', ['almaty']), changes, noReferrals);
    expect(sut.map(summary)).toEqual(['alert:a1', `case:${ALMATY_CASE}`]);
  });

  it('gives ops every alert (codes and ids) but no case at all', () => {
    const sut = visibleEvents(principal('ops', ['*']), changes, noReferrals);
    expect(sut.map((e) => e.event)).toEqual(['alert', 'alert', 'alert-closed']);
    expect(JSON.stringify(sut)).not.toContain('p_');
  });

  it('gives a lawyer only referred cases, cut to the referred fields', () => {
    const referrals = new Map<string, Referral[]>([
      [BISHKEK_CASE, [{ organisation: 'legal-aid-kg', fields: ['custody', 'urgency'] }]],
    ]);
    const sut = visibleEvents(principal('legal-aid', ['*'], 'legal-aid-kg'), changes, referrals);
    expect(sut.map(summary)).toEqual(['alert:a2', `case:${BISHKEK_CASE}`, 'alert-closed:a3']);
    const shown = sut.find((e) => e.event === 'case')?.data as { state: Record<string, unknown> };
    expect(Object.keys(shown.state)).toEqual(['custody']);
  });

  it('gives a hotline key holder nothing', () => {
    expect(visibleEvents(principal('hotline', ['almaty']), changes, noReferrals)).toEqual([]);
  });

  it('frames each event as one named server-sent event of one JSON line', () => {
    expect(sseFrame({ event: 'alert', data: { alertId: 'a1' } })).toBe('event: alert\ndata: {"alertId":"a1"}\n\n');
  });
});
