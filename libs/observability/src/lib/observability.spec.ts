import { Writable } from 'node:stream';
import fc from 'fast-check';
import pino from 'pino';
import { probe } from './health';
import { baseLoggerOptions } from './logging';
import { ServiceMetrics } from './metrics';
import { continueTrace, formatTraceparent, newTraceContext, parseTraceparent, traceFromRecordHeaders, withTrace } from './trace-context';

describe('trace context', () => {
  it('round-trips any valid traceparent and rejects malformed or all-zero ones', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{32}$/), fc.stringMatching(/^[0-9a-f]{16}$/), fc.boolean(), (traceId, spanId, sampled) => {
        fc.pre(!/^0+$/.test(traceId) && !/^0+$/.test(spanId));
        const header = formatTraceparent({ traceId, spanId, sampled });
        expect(parseTraceparent(header)).toEqual({ traceId, spanId, sampled });
      }),
    );
    for (const bad of ['', 'garbage', `00-${'0'.repeat(32)}-${'a'.repeat(16)}-01`, `01-${'a'.repeat(32)}-${'b'.repeat(16)}`]) {
      expect(parseTraceparent(bad)).toBeNull();
    }
  });

  it('continues the caller’s trace with a new span, or starts a new trace', () => {
    const parent = newTraceContext();
    const sut = continueTrace(formatTraceparent(parent), 'event-1');
    expect(sut.traceId).toBe(parent.traceId);
    expect(sut.spanId).not.toBe(parent.spanId);
    expect(sut.eventId).toBe('event-1');
    expect(continueTrace(undefined).traceId).not.toBe(parent.traceId);
  });
});

describe('logging', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    return { lines, logger: pino(baseLoggerOptions('intake-api', 'info'), stream) };
  };

  it('puts the trace and event ids on every line inside a traced unit of work', () => {
    const { lines, logger } = capture();
    const trace = continueTrace(undefined, 'evt-42');
    withTrace(trace, () => logger.info('applied'));
    expect(lines[0]).toMatchObject({ service: 'intake-api', level: 'info', msg: 'applied', trace_id: trace.traceId, event_id: 'evt-42' });
  });

  it('drops personal data and credentials even when code logs them', () => {
    const { lines, logger } = capture();
    logger.info(
      { req: { headers: { authorization: 'Bearer secret-key' } }, person: { name: 'Rustam Karimov', registrationNumber: '123-09C00481', phone: '+77010000481' } },
      'received',
    );
    const line = JSON.stringify(lines[0]);
    for (const secret of ['secret-key', 'Rustam', '123-09C00481', '+77010000481']) expect(line).not.toContain(secret);
  });
});

describe(ServiceMetrics.name, () => {
  it('exposes labelled series in the Prometheus text format', async () => {
    const sut = new ServiceMetrics('case-projector');
    sut.counter('beacon_events_applied_total', 'Case events applied', ['outcome']).inc({ outcome: 'applied' }, 3);
    sut.histogram('beacon_batch_duration_seconds', 'Batch duration').observe(0.2);
    sut.gauge('beacon_consumer_lag', 'Lag', ['partition'], (g) => g.set({ partition: '0' }, 7));
    const text = await sut.text();
    expect(text).toContain('beacon_events_applied_total{outcome="applied",service="case-projector"} 3');
    expect(text).toContain('beacon_consumer_lag{partition="0",service="case-projector"} 7');
    expect(text).toMatch(/beacon_batch_duration_seconds_bucket\{le="0.25",service="case-projector"\} 1/);
    expect(text).toContain('beacon_process_resident_memory_bytes');
  });
});

describe(traceFromRecordHeaders.name, () => {
  it('continues the producer span of a record, falls back to the event’s own trace, and names the event', () => {
    const created = newTraceContext();
    const sent = { ...created, spanId: 'b'.repeat(16) };
    const headers = { ce_id: 'evt-7', ce_time: '2026-11-27T23:40:00Z', ce_traceparent: Buffer.from(formatTraceparent(created)), traceparent: formatTraceparent(sent) };
    const sut = traceFromRecordHeaders(headers);
    expect(sut).toMatchObject({ traceId: created.traceId, eventId: 'evt-7', eventTime: '2026-11-27T23:40:00Z' });
    expect([created.spanId, sent.spanId]).not.toContain(sut.spanId);
    expect(traceFromRecordHeaders({ ce_traceparent: formatTraceparent(created), traceparent: 'garbage' }).traceId).toBe(created.traceId);
    expect(traceFromRecordHeaders({}).traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe(probe.name, () => {
  it('reports up, or down with a one-word reason and nothing of the error', async () => {
    await expect(probe('postgres', () => Promise.resolve())).resolves.toEqual({ postgres: { status: 'up' } });
    const failed = await probe('postgres', () => Promise.reject(new Error('password authentication failed for user "beacon"')));
    expect(failed).toEqual({ postgres: { status: 'down', reason: 'unreachable' } });
    await expect(probe('kafka', () => new Promise(() => undefined), 20)).resolves.toEqual({ kafka: { status: 'down', reason: 'timeout' } });
  });
});
