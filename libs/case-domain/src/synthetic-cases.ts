import {
  type CaseEvent,
  CODES,
  type EventData,
  type EventName,
  EXAMPLES,
  type ReportContext,
  createEvent,
} from '@beacon/events';

/**
 * Synthetic, valid case histories with a realistic mix of facts and alerting lifecycle, for tests
 * and benchmarks: deterministic for a seed, yielded roughly in the order Beacon would record them.
 */
export interface SyntheticCaseOptions {
  cases: number;
  /** Stop after this many events (the last cases are then cut short). */
  maxEvents?: number;
  /** Aim for this many events in all: histories are lengthened or shortened to spread them over every case. */
  events?: number;
  /** When the first case opens. */
  start: Date;
  /** Over how many days cases open. */
  spanDays?: number;
  seed?: number;
  regions?: readonly string[];
}

const DEFAULT_REGIONS = ['almaty', 'astana', 'shymkent', 'bishkek', 'osh', 'tashkent', 'samarkand', 'dushanbe'];
const HOUR = 3_600_000;
const MINUTE = 60_000;
const DISPATCHER = '/beacon/alert-dispatcher';
const INTAKE = '/beacon/intake-api';

/** mulberry32: small, fast, good enough to vary test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

class Dice {
  constructor(readonly next: () => number) {}

  chance(p: number): boolean {
    return this.next() < p;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  uuid(): string {
    const hex = (n: number) =>
      Array.from({ length: n }, () => Math.floor(this.next() * 16).toString(16)).join('');
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${this.pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
  }

  personRef(): string {
    return `p_${Array.from({ length: 18 }, () => this.pick([...URL_SAFE])).join('')}`;
  }
}

interface Planned {
  name: EventName;
  occurredAt: number;
  recordedAt: number;
  source: string;
  data: Record<string, unknown>;
}

interface CaseSeed {
  caseId: string;
  incidentId: string;
  personRef: string;
  region: string;
  opensAt: number;
}

/** A min-heap on recorded time, then case and sequence, so output order is total and stable. */
class Pending {
  private readonly items: { at: number; seq: number; event: CaseEvent }[] = [];

  get size(): number {
    return this.items.length;
  }

  peekAt(): number {
    return this.items[0]?.at ?? Number.POSITIVE_INFINITY;
  }

  push(at: number, seq: number, event: CaseEvent): void {
    const items = this.items;
    items.push({ at, seq, event });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): CaseEvent | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined) return undefined;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(items[l]!, items[m]!)) m = l;
        if (r < items.length && this.less(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top.event;
  }

  private less(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}

function plan(dice: Dice, seed: CaseSeed, budget: number | null, last: boolean): Planned[] {
  const planned: Planned[] = [];
  let t = seed.opensAt;
  const fact = (name: EventName, afterMinutes: number, data: Record<string, unknown> = {}, lateHours = 0) => {
    t += afterMinutes * MINUTE;
    // Most reports arrive within the hour; some days late, so recorded order differs from occurrence.
    const delay = dice.chance(0.1) ? dice.int(2, 48) * HOUR : dice.int(1, 60) * MINUTE;
    planned.push({ name, occurredAt: t, recordedAt: t + delay + lateHours * HOUR, source: INTAKE, data });
  };
  const lifecycle = (name: EventName, afterSeconds: number, data: Record<string, unknown>) => {
    const at = t + afterSeconds * 1000;
    planned.push({ name, occurredAt: at, recordedAt: at + 1000, source: DISPATCHER, data });
  };

  fact('report-received', 0, { peopleConcerned: dice.int(1, 5), callbackSafe: dice.chance(0.7) });
  fact('person-identified', dice.int(2, 30), {
    unhcrStatus: dice.pick(CODES.unhcrStatus),
    sex: dice.pick(CODES.sex),
    ageBand: dice.pick(CODES.ageBand),
    dependantsAffected: dice.int(0, 4),
  });
  const detained = dice.chance(0.85);
  let critical = false;
  if (detained) {
    fact('detention-reported', -dice.int(30, 300), {
      place: { region: seed.region },
      authority: dice.pick(CODES.detentionAuthority),
      manner: dice.pick(CODES.detentionManner),
      statedReason: dice.pick(CODES.statedReason),
    });
    critical = true;
  }
  if (critical) {
    const alertId = dice.uuid();
    lifecycle('alert-raised', 40, {
      alertId,
      dedupKey: `case:${seed.caseId}:critical`,
      rule: 'detained-location-undisclosed',
      urgency: 'critical',
      previousUrgency: null,
      region: seed.region,
      incidentId: seed.incidentId,
    });
    const recipient = `usr_officer_${seed.region}_${dice.int(1, 4)}`;
    lifecycle('notification-sent', 45, { alertId, notificationId: dice.uuid(), recipientId: recipient, channel: 'sms', tier: 0, attempt: 1 });
    if (dice.chance(0.9)) {
      lifecycle('notification-delivered', 52, { alertId, notificationId: dice.uuid(), recipientId: recipient, channel: 'sms' });
    }
    if (dice.chance(0.2)) {
      lifecycle('alert-escalated', 15 * 60 + 5, { alertId, fromTier: 0, toTier: 1 });
    }
    lifecycle('alert-acknowledged', dice.int(120, 1500), { alertId, by: recipient, via: dice.pick(CODES.ackVia) });
  }
  // Facts after the detention: as many as the budget leaves, give or take, else 1 to 6.
  // The last case takes whatever is left (a little more, cut at the end), so the total is exact.
  const steps =
    budget === null
      ? dice.int(1, 6)
      : Math.max(0, last ? Math.ceil(budget - planned.length) + 2 : Math.round(budget - planned.length - 2 + (dice.next() - 0.5) * 4));
  for (let i = 0; i < steps; i++) {
    const roll = dice.next();
    if (roll < 0.2) {
      fact('whereabouts-updated', dice.int(30, 600), {
        captureAcknowledged: dice.pick([true, false, 'denied'] as const),
        locationDisclosed: dice.chance(0.6),
        facilityType: dice.pick(CODES.facilityType),
      });
    } else if (roll < 0.4) {
      fact('access-status-updated', dice.int(30, 600), {
        family: dice.pick(CODES.accessLevel),
        lawyer: dice.pick(CODES.accessLevel),
        unhcr: dice.pick(CODES.accessLevel),
        ngo: dice.pick(CODES.accessLevel),
      });
    } else if (roll < 0.5) {
      fact('legal-proceeding-updated', dice.int(60, 1440), {
        detentionOrder: dice.pick(CODES.detentionOrder),
        counsel: dice.pick(CODES.counsel),
        hearingAt: new Date(t + dice.int(24, 240) * HOUR).toISOString(),
        appealLodged: dice.chance(0.2),
      });
    } else if (roll < 0.6) {
      fact('intervention-logged', dice.int(10, 600), {
        actor: dice.pick(CODES.interventionActor),
        type: dice.pick(CODES.interventionType),
        response: dice.pick(CODES.interventionResponse),
      });
    } else if (roll < 0.68) {
      fact('removal-threat-reported', dice.int(60, 1440), {
        stage: dice.pick(CODES.removalStage),
        destinationIsOriginCountry: dice.chance(0.5),
        asylumClaimPending: dice.chance(0.5),
      });
    } else if (roll < 0.74) {
      fact('ill-treatment-reported', dice.int(60, 1440), { kinds: [dice.pick(CODES.illTreatmentKind)] });
    } else if (roll < 0.8) {
      fact('transferred', dice.int(60, 1440), {
        towardsBorderOrAirport: dice.chance(0.2),
        newLocationKnown: dice.chance(0.6),
      });
    } else if (roll < 0.83) {
      lifecycle('contact-lost', 12 * 3600, { hoursWithoutContact: dice.pick([12, 24]) });
    } else if (roll < 0.85 && planned.length > 2) {
      const target = dice.pick(planned.filter((p) => p.source === INTAKE));
      const id = (target.data.__id as string | undefined) ?? dice.uuid();
      target.data.__id = id;
      fact('record-corrected', dice.int(30, 600), { correctsEventId: id, fields: ['authority'], reason: 'data-entry-error' });
    } else {
      fact('intervention-logged', dice.int(10, 600), {
        actor: dice.pick(CODES.interventionActor),
        type: dice.pick(CODES.interventionType),
        response: dice.pick(CODES.interventionResponse),
      });
    }
  }
  if (detained) {
    if (dice.chance(0.06)) fact('removed', dice.int(600, 4000), { kind: dice.pick(CODES.removedKind) });
    else if (dice.chance(0.6)) fact('released', dice.int(60, 4000), { conditions: [dice.pick(CODES.releaseCondition)] });
  }
  if (dice.chance(0.35)) {
    fact('case-closed', dice.int(600, 10_000), { reason: dice.pick(CODES.closeReason) });
    if (critical) lifecycle('alert-resolved', 30, { alertId: planned.find((p) => p.name === 'alert-raised')?.data.alertId, reason: 'case-closed' });
    if (dice.chance(0.05)) fact('case-reopened', dice.int(600, 10_000), { reason: dice.pick(CODES.reopenReason) });
  }
  return planned;
}

function build(seed: CaseSeed, planned: Planned, id: string, dice: Dice): CaseEvent {
  const example = EXAMPLES[planned.name] as CaseEvent;
  const base = example.data as Record<string, unknown>;
  const data: Record<string, unknown> = { ...base, ...planned.data };
  delete data.__id;
  if ('context' in base) {
    const context: ReportContext = {
      ...(base.context as ReportContext),
      personRef: seed.personRef,
      region: seed.region,
      reportedAt: new Date(planned.recordedAt - 30_000).toISOString(),
      sourceRole: dice.pick(CODES.sourceRole),
      reliability: dice.pick(CODES.reliability),
      recordedBy: `op-${seed.region}-${dice.int(1, 20)}`,
    };
    data.context = context;
  }
  if (planned.name === 'record-erased') data.personRef = seed.personRef;
  if (planned.name === 'transferred') {
    data.from = { region: seed.region };
    data.to = { region: seed.region };
  }
  return createEvent(planned.name, {
    id,
    caseId: seed.caseId,
    time: new Date(planned.recordedAt),
    occurredAt: new Date(planned.occurredAt),
    source: planned.source,
    incidentId: seed.incidentId,
    data: data as EventData<typeof planned.name>,
  });
}

export function* syntheticCaseEvents(options: SyntheticCaseOptions): Generator<CaseEvent> {
  const dice = new Dice(prng(options.seed ?? 1));
  const regions = options.regions ?? DEFAULT_REGIONS;
  const span = (options.spanDays ?? 30) * 24 * HOUR;
  const max = Math.min(options.maxEvents ?? Number.POSITIVE_INFINITY, options.events ?? Number.POSITIVE_INFINITY);
  let planned = 0;
  const pending = new Pending();
  let emitted = 0;
  let seq = 0;
  let incident: { id: string; left: number; region: string } = { id: dice.uuid(), left: 0, region: dice.pick(regions) };
  for (let i = 0; i < options.cases && emitted < max; i++) {
    const opensAt = options.start.getTime() + Math.floor((i / options.cases) * span);
    // Everything recorded before this case opens can be emitted: later cases record only after.
    while (pending.size > 0 && pending.peekAt() <= opensAt && emitted < max) {
      yield pending.pop()!;
      emitted++;
    }
    if (incident.left <= 0) {
      // A third of reports concern several people taken together: one incident, one case each.
      incident = { id: dice.uuid(), left: dice.chance(0.3) ? dice.int(2, 5) : 1, region: dice.pick(regions) };
    }
    incident.left--;
    const seed: CaseSeed = { caseId: dice.uuid(), incidentId: incident.id, personRef: dice.personRef(), region: incident.region, opensAt };
    const budget = options.events === undefined ? null : (options.events - planned) / (options.cases - i);
    const history = plan(dice, seed, budget, i === options.cases - 1);
    planned += history.length;
    const ids = history.map((p) => (p.data.__id as string | undefined) ?? dice.uuid());
    history.forEach((p, k) => pending.push(p.recordedAt, seq++, build(seed, p, ids[k]!, dice)));
  }
  while (pending.size > 0 && emitted < max) {
    yield pending.pop()!;
    emitted++;
  }
}
