import {
  type CaseEvent,
  CODES,
  EVENT_NAMES,
  EXAMPLES,
  type EventName,
  validateEvent,
} from '@beacon/events';
import fc from 'fast-check';
import { CASE_ID, HOUR, MIDNIGHT } from './case-events.fixtures';
import { assessUrgency, evolve, evolveAll, foldCase, restoreCaseState, storeCaseState, urgencyReviewAt } from './index';

const MINUTE = 60_000;
const SPAN_MINUTES = 14 * 24 * 60;

const level = fc.constantFrom(...CODES.accessLevel);
const instantArb = fc
  .integer({ min: -SPAN_MINUTES, max: 2 * SPAN_MINUTES })
  .map((m) => new Date(MIDNIGHT + m * MINUTE).toISOString());

// The coded fields the rules read, varied; everything else comes from the catalogue's examples.
const variations: Partial<Record<EventName, fc.Arbitrary<Record<string, unknown>>>> = {
  'detention-reported': fc.record({ authority: fc.constantFrom(...CODES.detentionAuthority) }),
  'whereabouts-updated': fc.record({
    captureAcknowledged: fc.constantFrom(true, false, 'denied' as const),
    locationDisclosed: fc.boolean(),
  }),
  'access-status-updated': fc.record({ family: level, lawyer: level, unhcr: level, ngo: level }),
  'legal-proceeding-updated': fc.record({
    counsel: fc.constantFrom(...CODES.counsel),
    hearingAt: fc.option(fc.option(instantArb, { nil: null }), { nil: undefined }),
  }),
  'removal-threat-reported': fc.record({
    stage: fc.constantFrom(...CODES.removalStage),
    destinationIsOriginCountry: fc.boolean(),
  }),
  transferred: fc.record({ towardsBorderOrAirport: fc.boolean(), newLocationKnown: fc.boolean() }),
  'contact-lost': fc.record({ hoursWithoutContact: fc.integer({ min: 1, max: 48 }) }),
};

interface Spec {
  name: EventName;
  id: string;
  minute: number;
  withMillis: boolean;
  data: Record<string, unknown>;
  target: number;
}

const specArb: fc.Arbitrary<Spec> = fc.constantFrom(...EVENT_NAMES).chain((name) =>
  fc.record({
    name: fc.constant(name),
    id: fc.uuid({ version: 4 }),
    // A narrow range, so equal occurrence times (ordered by id) come up often.
    minute: fc.integer({ min: 0, max: 600 }),
    withMillis: fc.boolean(),
    data: variations[name] ?? fc.constant({}),
    target: fc.nat(),
  }),
);

function build(spec: Spec, ids: readonly string[]): CaseEvent {
  const example: CaseEvent = EXAMPLES[spec.name];
  const occurred = new Date(MIDNIGHT + spec.minute * MINUTE).toISOString();
  const data: Record<string, unknown> = { ...example.data, ...spec.data };
  if (spec.name === 'record-corrected') data.correctsEventId = ids[spec.target % ids.length];
  const result = validateEvent({
    ...example,
    id: spec.id,
    subject: CASE_ID,
    occurredat: spec.withMillis ? occurred : occurred.replace('.000Z', 'Z'),
    data,
  });
  if (!result.ok) throw new Error(`${spec.name}: ${result.message}`);
  return result.event;
}

/** Valid events of one case, with varied occurrence times, ids and coded fields. */
const caseEvents = () =>
  fc
    .uniqueArray(specArb, { selector: (spec) => spec.id, minLength: 1, maxLength: 30 })
    .map((specs) => {
      const ids = specs.map((spec) => spec.id);
      return specs.map((spec) => build(spec, ids));
    });

const permutationOf = <T>(items: readonly T[]) =>
  fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });

const nowArb = fc
  .integer({ min: 0, max: 30 * 24 * 60 })
  .map((m) => new Date(MIDNIGHT + m * MINUTE));

describe('case-domain properties', () => {
  it('gives the same state for any arrival order of the same events', () => {
    fc.assert(
      fc.property(
        caseEvents().chain((events) => fc.tuple(fc.constant(events), permutationOf(events))),
        ([events, shuffled]) => {
          expect(foldCase(CASE_ID, shuffled)).toEqual(foldCase(CASE_ID, events));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is never high or critical after a case-closed that is the latest open/close fact', () => {
    fc.assert(
      fc.property(
        caseEvents()
          .chain((events) => fc.tuple(fc.constant(events), fc.uuid({ version: 4 })))
          .chain(([events, closeId]) => {
            const latest = Math.max(
              MIDNIGHT,
              ...events.map((event) => Date.parse(event.occurredat)),
            );
            const close = {
              ...EXAMPLES['case-closed'],
              id: closeId,
              subject: CASE_ID,
              occurredat: new Date(latest + HOUR).toISOString(),
            };
            return fc.tuple(permutationOf([...events, close]), nowArb);
          }),
        ([events, now]) => {
          const state = foldCase(CASE_ID, events);

          expect(state.closed).toBe(true);
          expect(assessUrgency(state, now)).toEqual({ urgency: 'routine', reasons: [] });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('applies an event twice as if once', () => {
    fc.assert(
      fc.property(
        caseEvents().chain((events) =>
          fc.tuple(
            fc.constant(events),
            fc.nat({ max: events.length - 1 }),
            fc.nat({ max: events.length }),
          ),
        ),
        ([events, pick, position]) => {
          const again = events[pick];
          if (again === undefined) return;
          const withDuplicate = [...events.slice(0, position), again, ...events.slice(position)];

          expect(foldCase(CASE_ID, withDuplicate)).toEqual(foldCase(CASE_ID, events));
          const once = foldCase(CASE_ID, events);
          expect(evolve(once, again)).toBe(once);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('assesses the same urgency from the stored (JSON) state as from the live one', () => {
    fc.assert(
      fc.property(caseEvents(), nowArb, (events, now) => {
        const state = foldCase(CASE_ID, events);
        const stored = JSON.parse(JSON.stringify(state)) as typeof state;

        expect(assessUrgency(stored, now)).toEqual(assessUrgency(state, now));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the assessment unchanged until the review time it names', () => {
    fc.assert(
      fc.property(caseEvents(), nowArb, fc.double({ min: 0, max: 1, noNaN: true }), (events, now, fraction) => {
        const state = foldCase(CASE_ID, events);
        const review = urgencyReviewAt(state, now);
        // Any instant before the review (or within 60 days when there is none) assesses alike.
        const horizon = review === null ? now.getTime() + 60 * 24 * HOUR : review.getTime() - 1;
        const later = new Date(now.getTime() + Math.floor((horizon - now.getTime()) * fraction));

        expect(assessUrgency(state, later)).toEqual(assessUrgency(state, now));
        if (review !== null) expect(review.getTime()).toBeGreaterThan(now.getTime());
      }),
      { numRuns: 500 },
    );
  });

  it('applies a batch of events as it applies them one by one', () => {
    fc.assert(
      fc.property(
        caseEvents().chain((events) => fc.tuple(fc.constant(events), fc.nat({ max: events.length }))),
        ([events, split]) => {
          const before = foldCase(CASE_ID, events.slice(0, split));
          // The batch may repeat events already applied, and repeat itself.
          const batch = [...events.slice(split), ...events.slice(0, Math.min(split, 2)), ...events.slice(split, split + 1)];

          expect(evolveAll(before, batch)).toEqual(batch.reduce(evolve, before));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('restores a stored state (compact or whole) to the state it was', () => {
    fc.assert(
      fc.property(caseEvents(), (events) => {
        const state = foldCase(CASE_ID, events);
        const compact = JSON.parse(JSON.stringify(storeCaseState(state))) as ReturnType<typeof storeCaseState>;
        const whole = JSON.parse(JSON.stringify(state)) as typeof state;

        expect(restoreCaseState(CASE_ID, compact)).toEqual(state);
        expect(restoreCaseState(CASE_ID, whole)).toEqual(state);
        expect(JSON.stringify(compact).length).toBeLessThanOrEqual(JSON.stringify(state).length);
      }),
      { numRuns: 300 },
    );
  });
});
