import { evolveAll, initialCaseState } from '@beacon/case-domain';
import { type EncryptedValue, openWithDataKey } from '@beacon/security';
import { randomBytes } from 'node:crypto';
import { EXAMPLE_REPORT } from '../docs/openapi.document';
import { loadIntakeConfig } from '../intake.config';
import { type ReportInput, reportInputSchema } from './report.dto';
import { needsDataKey, ReportEventsService, pointerOf } from './report-events.service';

const config = loadIntakeConfig({
  DATABASE_URL: 'postgres://localhost/x',
  KAFKA_BROKERS: '127.0.0.1:9092',
  PERSON_HMAC_KEY: randomBytes(32).toString('base64'),
  VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`,
});
const now = new Date('2009-03-11T18:41:00Z');
const CASE = '5f0c2a7e-8d41-4b6a-9c3e-1a2b3c4d5e6f';
const INCIDENT = '9a1d3e5f-7b2c-4d8e-a6f0-2c4e6a8b0d1f';
const assignment = {
  personIndex: 0,
  caseId: CASE,
  personRef: 'p_Xq7Lm2Vt9KcR4wZs',
  joinedExistingCase: false,
};
const dataKey = { kid: 'pk:p_Xq7Lm2Vt9KcR4wZs:1', key: randomBytes(32) };
const keys = new Map([[assignment.personRef, dataKey]]);

function report(overrides: Record<string, unknown> = {}): ReportInput {
  return reportInputSchema.parse({ ...EXAMPLE_REPORT, ...overrides }) as ReportInput;
}

describe(ReportEventsService.name, () => {
  const sut = new ReportEventsService(config);

  it('builds person-identified, then one event per fact, all on the case and the incident, in UTC', () => {
    const events = sut.build(report(), [assignment], INCIDENT, now, keys);

    expect(events.map((e) => e.type)).toEqual([
      'org.beacon.person-identified.v1',
      'org.beacon.detention-reported.v2',
      'org.beacon.access-status-updated.v1',
    ]);
    for (const event of events) {
      expect(event).toMatchObject({
        subject: CASE,
        incidentid: INCIDENT,
        occurredat: '2009-03-11T18:00:00.000Z',
        source: '/beacon/intake-api',
      });
    }
  });

  it('gives the facts of one report ids in the report’s order, so they apply in that order whatever order they arrive in', () => {
    // The example: detained, then nobody has access. Both facts share the report's occurredAt.
    const events = sut.build(report(), [assignment], INCIDENT, now, keys);
    const ids = events.map((e) => e.id);
    expect([...ids].sort()).toEqual(ids);
    for (const arrival of [events, [...events].reverse(), [events[2]!, events[0]!, events[1]!]]) {
      const state = evolveAll(initialCaseState(CASE), arrival);
      expect(state).toMatchObject({ custody: 'detained', access: 'incommunicado' });
    }
  });

  it('seals names, numbers and notes under the person’s own key; only the keyed hash of the registration number is in the clear', () => {
    const events = sut.build(report(), [assignment], INCIDENT, now, keys);
    const text = JSON.stringify(events);

    expect(text).not.toContain('Karimov');
    expect(text).not.toContain('09C00481');
    expect(text).not.toContain('men in masks');
    const identified = events[0]?.data as { registrationHash: string; name: EncryptedValue };
    const detained = events[1]?.data as { notes: EncryptedValue };
    expect(identified.registrationHash).toBe(sut.registrationHash('123 09c00481'));
    expect(identified.name.kid).toBe(dataKey.kid);
    expect(openWithDataKey(dataKey.key, identified.name)).toBe('Rustam Karimov');
    expect(openWithDataKey(dataKey.key, detained.notes)).toMatch(/men in masks/);
    expect(openWithDataKey(randomBytes(32), identified.name)).toBeNull();
  });

  it('refuses to build identifying fields for a person whose key it was not given, rather than write them unsealed', () => {
    expect(() => sut.build(report(), [assignment], INCIDENT, now, new Map())).toThrow(
      /no data key/,
    );
  });

  it('asks for a data key only for persons whose part of the report carries identifying data', () => {
    const two = report({
      persons: [
        { unhcrStatus: 'refugee', name: 'Rustam Karimov' },
        { unhcrStatus: 'refugee' },
        { unhcrStatus: 'refugee' },
      ],
      facts: [{ ...EXAMPLE_REPORT.facts[1], appliesTo: [2], notes: 'seen at the station' }],
    });

    expect([0, 1, 2].map((i) => needsDataKey(two, i))).toEqual([true, false, true]);
  });

  it('works out whether a removal goes to the country of origin, which only intake knows', () => {
    const removal = {
      type: 'removal-threat-reported',
      kind: 'deportation',
      destinationCountry: 'UZ',
      stage: 'verbal-threat',
      asylumClaimPending: true,
    };
    const events = sut.build(report({ facts: [removal] }), [assignment], INCIDENT, now, keys);

    expect(events[1]?.data).toMatchObject({ destinationIsOriginCountry: true });
    const elsewhere = sut.build(
      report({ facts: [{ ...removal, destinationCountry: 'RU' }] }),
      [assignment],
      INCIDENT,
      now,
      keys,
    );
    expect(elsewhere[1]?.data).toMatchObject({ destinationIsOriginCountry: false });
  });

  it('writes the intervention type into the payload field the catalogue names type', () => {
    const fact = {
      type: 'intervention-logged',
      interventionType: 'un-urgent-appeal',
      actor: 'un-mechanism',
      response: 'none',
    };

    const events = sut.build(report({ facts: [fact] }), [assignment], INCIDENT, now, keys);

    expect(events[1]).toMatchObject({
      type: 'org.beacon.intervention-logged.v1',
      data: { type: 'un-urgent-appeal', actor: 'un-mechanism' },
    });
    expect(events[1]?.data).not.toHaveProperty('interventionType');
  });

  it('applies a fact only to the people it names', () => {
    const two = report({
      persons: [{ unhcrStatus: 'refugee' }, { unhcrStatus: 'refugee' }],
      facts: [{ ...EXAMPLE_REPORT.facts[1], appliesTo: [1] }],
    });
    const second = {
      ...assignment,
      personIndex: 1,
      caseId: '0f6b2e4a-1c3d-4e5f-8a9b-7c6d5e4f3a2b',
      personRef: 'p_Ab3Cd4Ef5Gh6Ij7K',
    };

    const events = sut.build(two, [assignment, second], INCIDENT, now, keys);

    expect(
      events.filter((e) => e.type === 'org.beacon.access-status-updated.v1').map((e) => e.subject),
    ).toEqual([second.caseId]);
  });
});

describe(pointerOf.name, () => {
  it.each([
    ['/facts/2', 'data.place.region', '/facts/2/place/region'],
    ['/facts/0', 'data.kinds[1]', '/facts/0/kinds/1'],
    ['/reports/3/facts/1', 'occurredat', '/reports/3/facts/1/occurredAt'],
    ['/persons/0', 'data.context.personRef', '/persons/0'],
  ])('%s + %s → %s', (base, path, expected) => {
    expect(pointerOf(base, path)).toBe(expected);
  });
});
