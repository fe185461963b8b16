import { authorize, type Principal } from '@beacon/access-policy';
import { type CaseEvent, encodeForKafka } from '@beacon/events';
import { ProblemException, validationProblem, type InvalidParam } from '@beacon/http';
import { Outbox } from '@beacon/persistence';
import { newPersonRef } from '@beacon/security';
import {
  type NewKeyRow,
  PERSON_ERASED_SQLSTATE,
  type PersonKey,
  PersonKeyVault,
  VaultException,
} from '@beacon/vault';
import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { type Pool } from 'pg';
import { type HotlinePrincipal } from '../auth/hotline-keys.repository';
import {
  type Claim,
  IdempotencyRepository,
  claimSuperseded,
} from '../idempotency/idempotency.repository';
import { CASE_TOPIC, INTAKE_POOL } from '../intake.tokens';
import { RelayService } from '../outbox/relay.service';
import { withRequestTrace } from '../observability/event-trace';
import { type CaseAssignment, needsDataKey, ReportEventsService } from './report-events.service';
import {
  type BatchAccepted,
  type ReportAccepted,
  type ReportInput,
  type ReportStatus,
} from './report.dto';
import {
  type OpenCase,
  type PersonCaseRef,
  type Prepared,
  type PreparedCase,
  ReportsRepository,
} from './reports.repository';

/** Postgres errors worth one more try of the write. */
const TRANSIENT = new Set(['40P01', '40001']);

interface Pointed {
  report: ReportInput;
  /** Where the report is in the request: '' for a single report, '/reports/3' in a batch. */
  pointer: string;
}

@Injectable()
export class ReportsService {
  constructor(
    @Inject(INTAKE_POOL) private readonly pool: Pool,
    @Inject(CASE_TOPIC) private readonly topic: string,
    private readonly outbox: Outbox,
    private readonly relay: RelayService,
    private readonly events: ReportEventsService,
    private readonly reports: ReportsRepository,
    private readonly idempotency: IdempotencyRepository,
    private readonly vault: PersonKeyVault,
  ) {}

  async acceptOne(
    hotline: HotlinePrincipal,
    report: ReportInput,
    idempotencyKey: string | null,
  ): Promise<ReportAccepted> {
    const [accepted] = await this.accept(
      hotline,
      [{ report, pointer: '' }],
      idempotencyKey,
      'report',
    );
    if (!accepted) throw new Error('no report accepted');
    return accepted;
  }

  async acceptBatch(
    hotline: HotlinePrincipal,
    reports: ReportInput[],
    idempotencyKey: string | null,
  ): Promise<BatchAccepted> {
    const pointed = reports.map((report, i) => ({ report, pointer: `/reports/${i}` }));
    return { reports: await this.accept(hotline, pointed, idempotencyKey, 'batch') };
  }

  /**
   * Every event of every report is committed to the outbox in one statement before the answer
   * (all or nothing for a batch); the relay publishes them afterwards. The common case is two
   * statements: `prepare` (claim, cases, stored keys) and the write, which also stores the data
   * keys of new persons. Races and erasures fall back to the step-by-step path.
   */
  private async accept(
    hotline: HotlinePrincipal,
    reports: readonly Pointed[],
    idempotencyKey: string | null,
    kind: 'report' | 'batch',
  ): Promise<ReportAccepted[]> {
    this.authorise(hotline, reports);
    const hashes = this.registrationHashes(reports);
    const known = hashes.flat().filter((h): h is string => h !== null);
    const requestHash =
      idempotencyKey === null
        ? null
        : createHash('sha256')
            .update(kind)
            .update(JSON.stringify(reports.map((r) => r.report)))
            .digest('hex');
    const token = randomUUID();
    let prepared: Prepared | null = null;
    if (idempotencyKey !== null || known.length > 0) {
      prepared = await this.reports.prepare(
        hotline.hotlineId,
        idempotencyKey === null || requestHash === null
          ? null
          : { key: idempotencyKey, requestHash, token, seconds: this.idempotency.claimSeconds },
        known,
      );
    }
    let claim: Claim | null = null;
    if (idempotencyKey !== null && requestHash !== null && prepared !== null) {
      claim = prepared.claimed
        ? { kind: 'claimed', hotlineId: hotline.hotlineId, key: idempotencyKey, token }
        : prepared.prior
          ? this.idempotency.judge(prepared.prior, requestHash)
          : await this.idempotency.claim(hotline.hotlineId, idempotencyKey, requestHash);
      if (claim.kind === 'replay')
        return kind === 'batch'
          ? (claim.response as BatchAccepted).reports
          : [claim.response as ReportAccepted];
    }
    const claimed = claim;
    try {
      const accepted = await this.write(
        hotline,
        reports,
        hashes,
        claimed,
        kind,
        prepared?.cases ?? null,
      );
      this.relay.nudge();
      return accepted;
    } catch (error) {
      if (claimed) await this.idempotency.release(claimed).catch(() => undefined);
      throw error;
    }
  }

  private async write(
    hotline: HotlinePrincipal,
    reports: readonly Pointed[],
    hashes: readonly (readonly (string | null)[])[],
    claim: Extract<Claim, { kind: 'claimed' }> | null,
    kind: 'report' | 'batch',
    prepared: ReadonlyMap<string, PreparedCase> | null,
  ): Promise<ReportAccepted[]> {
    const now = new Date();
    const known = hashes.flat().filter((h): h is string => h !== null);
    for (let attempt = 1; ; attempt++) {
      // The first attempt uses what `prepare` read; after an erasure, it is read again.
      const fast = attempt === 1 && (prepared !== null || known.length === 0);
      const open: ReadonlyMap<string, OpenCase | PreparedCase> =
        fast && prepared !== null
          ? prepared
          : known.length > 0
            ? await this.reports.openCasesFor(known)
            : new Map<string, never>();
      const planned = this.assign(reports, hashes, open);
      const commit = (keys: ReadonlyMap<string, PersonKey>, newKeys: readonly NewKeyRow[]) =>
        this.commit(hotline, reports, planned.assignments, keys, newKeys, claim, kind, now);
      try {
        if (!fast) return await commit(await this.vault.keysFor(planned.needKeys), []);
        const { keys, rows } = this.keysFromPrepared(planned.needKeys, open);
        try {
          return await commit(keys, rows);
        } catch (error) {
          if (rows.length === 0 || !isKeyRace(error)) throw error;
          // A concurrent first report about the same person stored its key first, or an
          // erasure won the race: this write stored nothing, so the same cases are written
          // again with the keys as the vault holds them now.
          return await commit(await this.vault.keysFor(planned.needKeys), []);
        } finally {
          for (const row of rows) keys.get(row.personRef)?.key.fill(0);
        }
      } catch (error) {
        if (!(error instanceof VaultException) || error.code !== 'person-erased') throw error;
        // The person was erased and the case topic has not told intake yet: the old mapping
        // goes, and the person is reported as someone new, under a new reference and key.
        await this.reports.forgetPersons(error.personRefs);
        if (attempt < 3) continue;
        throw new ProblemException(
          409,
          'person-erased',
          'Person erased',
          'A person in this report was erased moments ago; send the report again.',
        );
      }
    }
  }

  /**
   * Keys from what `prepare` read: stored keys are unwrapped here, and persons without one get a
   * new key that the write stores with the events sealed under it. Throws `person-erased` as the
   * vault does.
   */
  private keysFromPrepared(
    personRefs: readonly string[],
    open: ReadonlyMap<string, OpenCase | PreparedCase>,
  ): { keys: Map<string, PersonKey>; rows: NewKeyRow[] } {
    const byRef = new Map<string, PreparedCase>();
    for (const c of open.values()) if ('key' in c) byRef.set(c.personRef, c);
    const erased = personRefs.filter((ref) => byRef.get(ref)?.erased === true);
    if (erased.length > 0)
      throw new VaultException('person-erased', 'a person in this report was erased', erased);
    const stored = new Map<string, PersonKey>();
    const missing: string[] = [];
    for (const ref of new Set(personRefs)) {
      const row = byRef.get(ref)?.key;
      if (row) stored.set(ref, this.vault.keyFromRow(row));
      else missing.push(ref);
    }
    const created = this.vault.createKeys(missing);
    for (const [ref, key] of stored) created.keys.set(ref, key);
    return created;
  }

  /** Which case each person joins or opens, and whose data keys the report needs. */
  private assign(
    reports: readonly Pointed[],
    hashes: readonly (readonly (string | null)[])[],
    open: ReadonlyMap<string, OpenCase | PreparedCase>,
  ): { assignments: CaseAssignment[][]; needKeys: string[] } {
    // A person named again later in the same batch joins the case the earlier report opened.
    const seen = new Set<string>();
    const needKeys: string[] = [];
    const assignments = reports.map(({ report }, r) =>
      report.persons.map((_person, personIndex): CaseAssignment => {
        const hash = hashes[r]?.[personIndex] ?? null;
        const match = hash === null ? undefined : open.get(hash);
        let assignment: CaseAssignment;
        if (hash === null || !match) {
          assignment = {
            personIndex,
            caseId: randomUUID(),
            personRef: newPersonRef(),
            joinedExistingCase: false,
          };
        } else {
          const joined = match.existed || seen.has(hash);
          seen.add(hash);
          assignment = {
            personIndex,
            caseId: match.caseId,
            personRef: match.personRef,
            joinedExistingCase: joined,
          };
        }
        if (needsDataKey(report, personIndex)) needKeys.push(assignment.personRef);
        return assignment;
      }),
    );
    return { assignments, needKeys };
  }

  private async commit(
    hotline: HotlinePrincipal,
    reports: readonly Pointed[],
    assignments: readonly CaseAssignment[][],
    keys: ReadonlyMap<string, PersonKey>,
    newKeys: readonly NewKeyRow[],
    claim: Extract<Claim, { kind: 'claimed' }> | null,
    kind: 'report' | 'batch',
    now: Date,
  ): Promise<ReportAccepted[]> {
    const accepted: ReportAccepted[] = [];
    const events: CaseEvent[] = [];
    const persons: PersonCaseRef[] = [];
    reports.forEach(({ report, pointer }, r) => {
      const mine = assignments[r] ?? [];
      const incidentId = report.incidentId ?? randomUUID();
      const built = this.events.build(report, mine, incidentId, now, keys, pointer);
      events.push(...built);
      for (const a of mine)
        persons.push({ personRef: a.personRef, caseId: a.caseId, region: report.region });
      accepted.push({
        reportId: randomUUID(),
        incidentId,
        cases: mine.map((a) => ({
          personIndex: a.personIndex,
          caseId: a.caseId,
          joinedExistingCase: a.joinedExistingCase,
          eventIds: built.filter((e) => e.subject === a.caseId).map((e) => e.id),
        })),
      });
    });
    const completion = claim && {
      key: claim.key,
      token: claim.token,
      response: kind === 'batch' ? { reports: accepted } : accepted[0],
    };
    const { written } = await retryTransient(() =>
      this.reports.write(
        hotline.hotlineId,
        events.map((event) => ({
          eventId: event.id,
          topic: this.topic,
          ...encodeForKafka(withRequestTrace(event)),
        })),
        accepted.map((a) => ({ ...a, eventIds: a.cases.flatMap((c) => c.eventIds) })),
        completion,
        persons,
        newKeys,
      ),
    );
    if (!written) throw claimSuperseded();
    return accepted;
  }

  async status(hotline: HotlinePrincipal, reportId: string): Promise<ReportStatus> {
    const report = await this.reports.find(hotline.hotlineId, reportId);
    if (!report) {
      throw new ProblemException(
        404,
        'not-found',
        'Report not found',
        'No report with this id was received from this hotline.',
      );
    }
    const published = await this.outbox.isPublished(this.pool, report.eventIds);
    const publishedCount = report.eventIds.filter((id) => published.get(id)).length;
    return {
      reportId,
      incidentId: report.incidentId,
      receivedAt: report.receivedAt.toISOString(),
      status: publishedCount === report.eventIds.length ? 'published' : 'accepted',
      events: { total: report.eventIds.length, published: publishedCount },
      cases: report.cases.map((c) => ({
        ...c,
        published: c.eventIds.every((id) => published.get(id) === true),
      })),
    };
  }

  /**
   * Keys are scoped: a report outside the key's regions or event types is refused whole. The
   * region rule is the access policy's `report.write`; erasure is never a hotline's to report,
   * since only destroying the person's key (`beacon persons erase`, an administrator's act) erases.
   */
  private authorise(hotline: HotlinePrincipal, reports: readonly Pointed[]): void {
    const principal: Principal = {
      userId: hotline.hotlineId,
      role: 'hotline',
      regions: hotline.regions,
    };
    const allowed = (list: readonly string[], value: string) =>
      list.includes('*') || list.includes(value);
    const regions = reports.filter(
      ({ report }) => !authorize(principal, 'report.write', { region: report.region }).allow,
    );
    if (regions.length > 0) {
      throw new ProblemException(
        403,
        'forbidden-region',
        'Region not permitted',
        'This hotline key may not report for these regions.',
        {
          'invalid-params': regions.map(({ report, pointer }) => ({
            name: `${pointer}/region`,
            reason: `region "${report.region}" is not permitted for this key`,
          })),
        },
      );
    }
    const mayErase = authorize(principal, 'persons.erase', {}).allow;
    const types: InvalidParam[] = reports.flatMap(({ report, pointer }) =>
      report.facts.flatMap((fact, i) => {
        const name = `${pointer}/facts/${i}/type`;
        if (fact.type === 'record-erased' && !mayErase) {
          return [
            { name, reason: 'erasure is done by an administrator with `beacon persons erase`' },
          ];
        }
        return allowed(hotline.eventTypes, fact.type)
          ? []
          : [{ name, reason: `"${fact.type}" is not permitted for this key` }];
      }),
    );
    if (types.length > 0) {
      throw new ProblemException(
        403,
        'forbidden-event-type',
        'Event type not permitted',
        'This hotline key may not report these event types.',
        {
          'invalid-params': types,
        },
      );
    }
  }

  /** The keyed hash of each person's registration number; the same person twice in one report is refused. */
  private registrationHashes(reports: readonly Pointed[]): (string | null)[][] {
    const invalid: InvalidParam[] = [];
    const hashes = reports.map(({ report, pointer }) => {
      const first = new Map<string, number>();
      return report.persons.map((person, i) => {
        if (person.registrationNumber === undefined) return null;
        const hash = this.events.registrationHash(person.registrationNumber);
        const earlier = first.get(hash);
        if (earlier !== undefined) {
          invalid.push({
            name: `${pointer}/persons/${i}/registrationNumber`,
            reason: `same person as ${pointer}/persons/${earlier}`,
          });
        } else {
          first.set(hash, i);
        }
        return hash;
      });
    });
    if (invalid.length > 0) throw validationProblem(invalid);
    return hashes;
  }
}

/** A duplicate first key for a person, or a key refused because the person was erased. */
function isKeyRace(error: unknown): boolean {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === PERSON_ERASED_SQLSTATE || (code === '23505' && constraint === 'person_keys_pkey');
}

/** A deadlock or serialization failure is worth another try; the statement wrote nothing. */
async function retryTransient<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= 3 || typeof code !== 'string' || !TRANSIENT.has(code)) throw error;
    }
  }
}
