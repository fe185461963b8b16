import {
  type CaseEvent,
  EXAMPLES,
  EventValidationError,
  createEvent,
  eventNameOf,
  nameEvent,
  validateEvent,
} from './index';

const CASE_ID = '0f6b2e4a-1c3d-4e5f-8a9b-7c6d5e4f3a2b';
const EVENT_ID = '6d2f8a1c-3b5e-4c7d-9e0f-1a2b3c4d5e6f';

function input(data = EXAMPLES['detention-reported'].data) {
  return {
    id: EVENT_ID,
    caseId: CASE_ID,
    time: new Date('2009-03-11T18:41:40Z'),
    occurredAt: '2009-03-11T18:00:00Z',
    source: '/beacon/intake-api',
    incidentId: '9a1d3e5f-7b2c-4d8e-a6f0-2c4e6a8b0d1f',
    data,
  };
}

function thrownBy(action: () => unknown): EventValidationError {
  try {
    action();
  } catch (error) {
    if (error instanceof EventValidationError) return error;
    throw error;
  }
  throw new Error('Expected an EventValidationError');
}

describe(createEvent.name, () => {
  it('builds a CloudEvents envelope at the current version', () => {
    const sut = createEvent('detention-reported', input());

    expect(sut).toEqual({
      specversion: '1.0',
      id: EVENT_ID,
      type: 'org.beacon.detention-reported.v2',
      source: '/beacon/intake-api',
      subject: CASE_ID,
      time: '2009-03-11T18:41:40.000Z',
      datacontenttype: 'application/json',
      occurredat: '2009-03-11T18:00:00Z',
      incidentid: '9a1d3e5f-7b2c-4d8e-a6f0-2c4e6a8b0d1f',
      data: EXAMPLES['detention-reported'].data,
    });
  });

  it('leaves optional attributes out rather than undefined', () => {
    const { incidentId: _incidentId, ...withoutIncident } = input();

    const sut = createEvent('detention-reported', withoutIncident);

    expect(Object.keys(sut)).not.toContain('incidentid');
    expect(Object.keys(sut)).not.toContain('traceparent');
  });

  it('throws EventValidationError naming the path of each problem', () => {
    const data = {
      ...EXAMPLES['detention-reported'].data,
      authority: 'masked men',
      context: { ...EXAMPLES['detention-reported'].data.context, personRef: 'Ivan Petrov' },
    } as unknown as CaseEvent<'detention-reported'>['data'];

    const error = thrownBy(() =>
      createEvent('detention-reported', { ...input(data), caseId: 'case-1' }),
    );

    expect(error.name).toBe('EventValidationError');
    expect(error.issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['subject']));
  });

  it('reports data paths once the envelope is valid', () => {
    const data = {
      ...EXAMPLES['detention-reported'].data,
      authority: 'masked men',
      context: { ...EXAMPLES['detention-reported'].data.context, personRef: 'Ivan Petrov' },
    } as unknown as CaseEvent<'detention-reported'>['data'];

    const error = thrownBy(() => createEvent('detention-reported', input(data)));

    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'data.authority',
      'data.context.personRef',
    ]);
  });

  it('rejects an invalid Date with the attribute path', () => {
    const error = thrownBy(() =>
      createEvent('detention-reported', { ...input(), occurredAt: new Date('not a date') }),
    );

    expect(error.issues).toEqual([expect.objectContaining({ path: 'occurredat' })]);
  });

  it('rejects a time with an offset: instants are UTC', () => {
    const error = thrownBy(() =>
      createEvent('detention-reported', { ...input(), occurredAt: '2009-03-12T00:00:00+06:00' }),
    );

    expect(error.issues.map((issue) => issue.path)).toEqual(['occurredat']);
  });

  it('rejects plaintext where personal data must be sealed', () => {
    const data = {
      ...EXAMPLES['person-identified'].data,
      name: 'Rustam K.',
    } as unknown as CaseEvent<'person-identified'>['data'];

    const error = thrownBy(() => createEvent('person-identified', { ...input(), data }));

    expect(error.issues.map((issue) => issue.path)).toEqual(['data.name']);
  });
});

describe(validateEvent.name, () => {
  it.each([null, 'a string', 42, [EXAMPLES.released]])('calls %p malformed', (candidate) => {
    expect(validateEvent(candidate)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('calls an event without a type malformed', () => {
    const { type: _type, ...rest } = EXAMPLES.released;

    expect(validateEvent(rest)).toMatchObject({
      ok: false,
      reason: 'malformed',
      issues: [{ path: 'type' }],
    });
  });

  it('rejects an unknown envelope attribute', () => {
    const result = validateEvent({ ...EXAMPLES.released, dataschema: 'https://example.org/x' });

    expect(result).toMatchObject({
      ok: false,
      reason: 'invalid',
      issues: [{ path: 'dataschema' }],
    });
  });

  it('rejects a tier escalation that does not go up', () => {
    const event = EXAMPLES['alert-escalated'];

    const result = validateEvent({ ...event, data: { ...event.data, toTier: 0 } });

    expect(result).toMatchObject({
      ok: false,
      reason: 'invalid',
      issues: [{ path: 'data.toTier' }],
    });
  });

  it('rejects repeated codes in a set', () => {
    const event = EXAMPLES['ill-treatment-reported'];

    const result = validateEvent({
      ...event,
      data: { ...event.data, kinds: ['beating', 'beating'] },
    });

    expect(result).toMatchObject({
      ok: false,
      reason: 'invalid',
      issues: [{ path: 'data.kinds' }],
    });
  });
});

describe(nameEvent.name, () => {
  it('pairs an event with its name so a switch narrows the data', () => {
    const sut = nameEvent(EXAMPLES['removal-threat-reported']);

    const stage = sut.name === 'removal-threat-reported' ? sut.event.data.stage : null;

    expect(stage).toBe('verbal-threat');
    expect(eventNameOf(EXAMPLES.released)).toBe('released');
  });
});
