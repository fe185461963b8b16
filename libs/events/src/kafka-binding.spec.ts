import { EVENT_NAMES, EXAMPLES, type KafkaRecord, decodeFromKafka, encodeForKafka } from './index';

function asConsumed(record: KafkaRecord) {
  return {
    key: Buffer.from(record.key),
    value: Buffer.from(record.value),
    headers: Object.fromEntries(
      Object.entries(record.headers).map(([k, v]) => [k, Buffer.from(v)]),
    ),
  };
}

const sample = () => encodeForKafka(EXAMPLES['detention-reported']);

describe(encodeForKafka.name, () => {
  it('writes binary mode: attributes as ce_ headers, data alone as the value, case id as the key', () => {
    const event = EXAMPLES['detention-reported'];

    const sut = encodeForKafka(event);

    expect(sut.key).toBe(event.subject);
    expect(JSON.parse(sut.value)).toEqual(event.data);
    expect(sut.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: event.id,
      ce_type: 'org.beacon.detention-reported.v2',
      ce_source: '/beacon/intake-api',
      ce_subject: event.subject,
      ce_time: event.time,
      ce_occurredat: event.occurredat,
      ce_incidentid: event.incidentid,
      ce_traceparent: event.traceparent,
      'content-type': 'application/json',
    });
  });

  it('omits absent optional attributes', () => {
    const { incidentid: _i, traceparent: _t, ...event } = EXAMPLES.released;

    expect(Object.keys(encodeForKafka(event).headers)).not.toEqual(
      expect.arrayContaining(['ce_incidentid']),
    );
    expect(Object.keys(encodeForKafka(event).headers)).not.toContain('ce_traceparent');
  });
});

describe(decodeFromKafka.name, () => {
  it.each(EVENT_NAMES)('round-trips %s', (name) => {
    const event = EXAMPLES[name];

    expect(decodeFromKafka(asConsumed(encodeForKafka(event)))).toEqual({ ok: true, event });
    expect(decodeFromKafka(encodeForKafka(event))).toEqual({ ok: true, event });
  });

  it('accepts a header kafkajs delivers as a one-element array', () => {
    const record = sample();

    const result = decodeFromKafka({
      ...record,
      headers: { ...record.headers, ce_id: [Buffer.from(record.headers.ce_id ?? '')] },
    });

    expect(result.ok).toBe(true);
  });

  it('ignores headers outside the binding', () => {
    const record = sample();

    const result = decodeFromKafka({
      ...record,
      headers: { ...record.headers, 'x-retry': '2', absent: undefined },
    });

    expect(result.ok).toBe(true);
  });

  it('calls a record without ce_type malformed', () => {
    const { ce_type: _type, ...headers } = sample().headers;

    expect(decodeFromKafka({ ...sample(), headers })).toMatchObject({
      ok: false,
      reason: 'malformed',
      issues: [{ path: 'headers.ce_type' }],
    });
  });

  it('calls a value that is not JSON malformed', () => {
    expect(decodeFromKafka({ ...sample(), value: '{"context": ' })).toMatchObject({
      ok: false,
      reason: 'malformed',
      issues: [{ path: 'value' }],
    });
  });

  it('calls a tombstone malformed', () => {
    expect(decodeFromKafka({ ...sample(), value: null })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it('calls a repeated ce_ header malformed', () => {
    const record = sample();

    const result = decodeFromKafka({
      ...record,
      headers: { ...record.headers, ce_type: ['a', 'b'] },
    });

    expect(result).toMatchObject({
      ok: false,
      reason: 'malformed',
      issues: [{ path: 'headers.ce_type' }],
    });
  });

  it('reports an unknown type', () => {
    const record = sample();

    const result = decodeFromKafka({
      ...record,
      headers: { ...record.headers, ce_type: 'org.beacon.person-vanished.v1' },
    });

    expect(result).toMatchObject({
      ok: false,
      reason: 'unknown-type',
      issues: [{ path: 'headers.ce_type' }],
    });
  });

  it('reports a version newer than this build reads', () => {
    const record = sample();

    const result = decodeFromKafka({
      ...record,
      headers: { ...record.headers, ce_type: 'org.beacon.detention-reported.v3' },
    });

    expect(result).toMatchObject({
      ok: false,
      reason: 'unsupported-version',
      issues: [{ path: 'headers.ce_type' }],
    });
  });

  it('reports an older version no upcaster reaches', () => {
    const record = sample();

    const result = decodeFromKafka({
      ...record,
      headers: { ...record.headers, ce_type: 'org.beacon.detention-reported.v0' },
    });

    expect(result).toMatchObject({ ok: false, reason: 'unsupported-version' });
  });

  it('rejects an unknown field in the data, naming it', () => {
    const record = sample();
    const value = JSON.stringify({ ...JSON.parse(record.value), fullName: 'Rustam K.' });

    expect(decodeFromKafka({ ...record, value })).toMatchObject({
      ok: false,
      reason: 'invalid',
      issues: [{ path: 'value.fullName', message: expect.stringContaining('fullName') }],
    });
  });

  it('names the header of an invalid attribute', () => {
    const record = sample();

    const result = decodeFromKafka({
      ...record,
      headers: { ...record.headers, ce_time: 'yesterday' },
    });

    expect(result).toMatchObject({
      ok: false,
      reason: 'invalid',
      issues: [{ path: 'headers.ce_time' }],
    });
  });

  it('names nested data paths', () => {
    const record = sample();
    const data = JSON.parse(record.value);
    const value = JSON.stringify({ ...data, context: { ...data.context, region: 'Almaty City' } });

    expect(decodeFromKafka({ ...record, value })).toMatchObject({
      reason: 'invalid',
      issues: [{ path: 'value.context.region' }],
    });
  });

  it('rejects a key that is not the case id', () => {
    expect(decodeFromKafka({ ...sample(), key: 'p_Xq7Lm2Vt9KcR4wZs' })).toMatchObject({
      ok: false,
      reason: 'invalid',
      issues: [{ path: 'key' }],
    });
    expect(decodeFromKafka({ ...sample(), key: null })).toMatchObject({
      ok: false,
      reason: 'invalid',
    });
  });

  it('rejects a content type other than JSON', () => {
    const record = sample();

    const result = decodeFromKafka({
      ...record,
      headers: { ...record.headers, 'content-type': 'application/avro' },
    });

    expect(result).toMatchObject({
      ok: false,
      reason: 'invalid',
      issues: [{ path: 'headers.content-type' }],
    });
  });

  it('upcasts an older version to the current one', () => {
    const record = sample();
    const v1 = {
      context: EXAMPLES['detention-reported'].data.context,
      place: { region: 'almaty' },
      authority: 'KNB',
    };

    const result = decodeFromKafka({
      ...record,
      headers: { ...record.headers, ce_type: 'org.beacon.detention-reported.v1' },
      value: JSON.stringify(v1),
    });

    expect(result).toMatchObject({
      ok: true,
      event: {
        type: 'org.beacon.detention-reported.v2',
        data: { authority: 'security-service', manner: 'other', statedReason: 'unknown' },
      },
    });
  });

  it('never throws, whatever arrives', () => {
    const odd = { key: null, value: null, headers: { ce_type: [] as string[] } };

    expect(() => decodeFromKafka(odd)).not.toThrow();
    expect(() =>
      decodeFromKafka({ key: 'k', value: 'null', headers: sample().headers }),
    ).not.toThrow();
    expect(decodeFromKafka({ key: 'k', value: 'null', headers: sample().headers })).toMatchObject({
      reason: 'invalid',
    });
  });
});
