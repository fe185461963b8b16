import { type OutboxRecord, OUTBOX_LOCK_SPACE } from '@beacon/persistence';
import { newPersonRef } from '@beacon/security';
import { type NewKeyRow, type StoredKeyRow } from '@beacon/vault';
import { type PriorClaim } from '../idempotency/idempotency.repository';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { type Pool } from 'pg';
import { INTAKE_POOL } from '../intake.tokens';
import { type CaseAccepted } from './report.dto';

/**
 * The advisory-lock namespace of libs/persistence's Outbox (its writers and relays). The single-
 * statement write below takes the same locks; a test holds one through `Outbox.lockKeys` and
 * checks that this write waits for it.
 */

export interface OpenCase {
  caseId: string;
  personRef: string;
  /** False when this call opened the case. */
  existed: boolean;
}

/** Which case a person reference stands in and where: what an erasure needs to reach every case. */
export interface PersonCaseRef {
  personRef: string;
  caseId: string;
  region: string;
}

/** An open case found by `prepare`, with what the vault holds for its person. */
export interface PreparedCase extends OpenCase {
  /** The person's wrapped data key, when they have one. */
  key: StoredKeyRow | null;
  /** The person was erased: their reference must not be used again. */
  erased: boolean;
}

export interface Prepared {
  /** Whether the Idempotency-Key is now this request's (true when the request has none). */
  claimed: boolean;
  /** The key's row when another request holds it; null when it was not visible yet. */
  prior: PriorClaim | null;
  /** The open case of every registration hash asked for, or null if a concurrent report hid one. */
  cases: Map<string, PreparedCase> | null;
}

export interface StoredReport {
  reportId: string;
  incidentId: string;
  receivedAt: Date;
  cases: CaseAccepted[];
  eventIds: string[];
}

@Injectable()
export class ReportsRepository {
  constructor(@Inject(INTAKE_POOL) private readonly pool: Pool) {}

  /**
   * The first of a report's two statements: claims the Idempotency-Key, opens a case for each
   * registration hash that has none (in hash order, so two reports naming the same people cannot
   * deadlock) and reads the open cases of the others with their persons' wrapped keys. Cases are
   * opened only when the claim succeeds. Committed on its own, before the events: if the request
   * then fails, the person's next report opens the case with its events. Whatever a concurrent
   * request hides from this statement's snapshot comes back as null, for the slower paths.
   */
  async prepare(
    hotlineId: string,
    claim: { key: string; requestHash: string; token: string; seconds: number } | null,
    hashes: readonly string[],
  ): Promise<Prepared> {
    const wanted = [...new Set(hashes)].sort();
    const { rows } = await this.pool.query<{
      claimed: boolean;
      prior: PriorClaim | null;
      opened: { hash: string; caseId: string; personRef: string }[] | null;
      existing:
        | {
            hash: string;
            caseId: string;
            personRef: string;
            keyVersion: number | null;
            wrappedKey: string | null;
            erased: boolean;
          }[]
        | null;
    }>({
      name: 'intake-prepare',
      text: `WITH claim AS (
         INSERT INTO intake.idempotency_keys (hotline_id, key, request_hash, state, claim_token, claimed_until)
         SELECT $1, $2, $3, 'in-flight', $4, now() + make_interval(secs => $5) WHERE $2::text IS NOT NULL
         ON CONFLICT (hotline_id, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, claim_token = EXCLUDED.claim_token,
               claimed_until = EXCLUDED.claimed_until, created_at = now()
           WHERE intake.idempotency_keys.state = 'in-flight' AND intake.idempotency_keys.claimed_until < now()
         RETURNING 1
       ), go AS (
         SELECT ($2::text IS NULL OR EXISTS (SELECT 1 FROM claim)) AS ok
       ), opened AS (
         INSERT INTO intake.person_cases (registration_hash, person_ref, case_id)
         SELECT t.h, t.r, t.c FROM UNNEST($6::text[], $7::text[], $8::uuid[]) AS t(h, r, c), go
          WHERE go.ok ORDER BY t.h
         ON CONFLICT (registration_hash) WHERE closed_at IS NULL DO NOTHING
         RETURNING registration_hash, case_id, person_ref
       )
       SELECT go.ok AS claimed,
              (SELECT json_build_object('state', i.state, 'requestHash', i.request_hash, 'response', i.response,
                        'retryAfter', GREATEST(1, CEIL(EXTRACT(EPOCH FROM i.claimed_until - now())))::int)
                 FROM intake.idempotency_keys i
                WHERE NOT go.ok AND i.hotline_id = $1 AND i.key = $2) AS prior,
              (SELECT json_agg(json_build_object('hash', o.registration_hash, 'caseId', o.case_id, 'personRef', o.person_ref))
                 FROM opened o) AS opened,
              (SELECT json_agg(json_build_object('hash', c.registration_hash, 'caseId', c.case_id,
                        'personRef', c.person_ref, 'keyVersion', k.key_version, 'wrappedKey', k.wrapped_key,
                        'erased', e.person_ref IS NOT NULL))
                 FROM intake.person_cases c
                 LEFT JOIN vault.person_keys k ON k.person_ref = c.person_ref
                 LEFT JOIN vault.erasures e ON e.person_ref = c.person_ref
                WHERE go.ok AND c.registration_hash = ANY($6::text[]) AND c.closed_at IS NULL) AS existing
         FROM go`,
      values: [
        hotlineId,
        claim?.key ?? null,
        claim?.requestHash ?? null,
        claim?.token ?? null,
        claim?.seconds ?? null,
        wanted,
        wanted.map(() => newPersonRef()),
        wanted.map(() => randomUUID()),
      ],
    });
    const row = rows[0];
    if (!row?.claimed) return { claimed: false, prior: row?.prior ?? null, cases: null };
    const cases = new Map<string, PreparedCase>();
    for (const o of row.opened ?? [])
      cases.set(o.hash, {
        caseId: o.caseId,
        personRef: o.personRef,
        existed: false,
        key: null,
        erased: false,
      });
    for (const e of row.existing ?? [])
      cases.set(e.hash, {
        caseId: e.caseId,
        personRef: e.personRef,
        existed: true,
        erased: e.erased,
        key:
          e.wrappedKey === null || e.keyVersion === null
            ? null
            : { personRef: e.personRef, keyVersion: e.keyVersion, wrappedKey: e.wrappedKey },
      });
    return { claimed: true, prior: null, cases: cases.size === wanted.length ? cases : null };
  }

  /**
   * The open case of each registration hash, opening one where there is none (in hash order, so
   * two reports naming the same people cannot deadlock). Committed on its own, before the events:
   * if the request then fails, the person's next report simply opens the case with its events.
   */
  async openCasesFor(hashes: readonly string[]): Promise<Map<string, OpenCase>> {
    const client = this.pool;
    const result = new Map<string, OpenCase>();
    const wanted = [...new Set(hashes)].sort();
    // A concurrent report may insert (or a case-closed may close) between the two statements.
    for (let attempt = 0; attempt < 5 && result.size < wanted.length; attempt++) {
      const missing = wanted.filter((h) => !result.has(h));
      const { rows: inserted } = await client.query<{
        registration_hash: string;
        case_id: string;
        person_ref: string;
      }>({
        name: 'intake-open-cases',
        text: `INSERT INTO intake.person_cases (registration_hash, person_ref, case_id)
         SELECT h, r, c FROM UNNEST($1::text[], $2::text[], $3::uuid[]) AS t(h, r, c) ORDER BY h
         ON CONFLICT (registration_hash) WHERE closed_at IS NULL DO NOTHING
         RETURNING registration_hash, case_id, person_ref`,
        values: [missing, missing.map(() => newPersonRef()), missing.map(() => randomUUID())],
      });
      for (const row of inserted)
        result.set(row.registration_hash, {
          caseId: row.case_id,
          personRef: row.person_ref,
          existed: false,
        });
      const existing = missing.filter((h) => !result.has(h));
      if (existing.length === 0) break;
      const { rows } = await client.query<{
        registration_hash: string;
        case_id: string;
        person_ref: string;
      }>({
        name: 'intake-open-cases-existing',
        text: `SELECT registration_hash, case_id, person_ref FROM intake.person_cases
          WHERE registration_hash = ANY($1::text[]) AND closed_at IS NULL`,
        values: [existing],
      });
      for (const row of rows)
        result.set(row.registration_hash, {
          caseId: row.case_id,
          personRef: row.person_ref,
          existed: true,
        });
    }
    if (result.size < wanted.length)
      throw new Error('could not settle the open case of every person');
    return result;
  }

  /**
   * Writes a request in one statement, so one round trip and one implicit transaction: the
   * idempotency answer (when the request has a key), every event into the outbox, the reports,
   * and the data keys of persons who had none (the vault's `createKeys`). The outbox's per-key advisory locks are taken first, in key order, exactly as
   * `Outbox.append` takes them, so relays see each case's events in commit order. When the claim
   * is no longer ours (it expired and a retry took it over) nothing at all is written.
   */
  async write(
    hotlineId: string,
    events: readonly OutboxRecord[],
    reports: readonly Omit<StoredReport, 'receivedAt'>[],
    completion: { key: string; token: string; response: unknown } | null,
    persons: readonly PersonCaseRef[] = [],
    keys: readonly NewKeyRow[] = [],
  ): Promise<{ written: boolean }> {
    const { rows } = await this.pool.query<{ events: number; reports: number }>({
      name: 'intake-write',
      text: `WITH claim AS (
         UPDATE intake.idempotency_keys
            SET state = 'done', report_id = ($2::uuid[])[1], response = $7::json, claim_token = NULL, claimed_until = NULL
          WHERE $5::text IS NOT NULL AND hotline_id = $1 AND key = $5 AND claim_token = $6 AND state = 'in-flight'
          RETURNING 1
       ), go AS (
         SELECT ($5::text IS NULL OR EXISTS (SELECT 1 FROM claim)) AS ok
       ), locks AS (
         SELECT count(pg_advisory_xact_lock($9, hashtext(k))) AS n
           FROM (SELECT DISTINCT k FROM UNNEST($11::text[]) AS k ORDER BY k) keys, go
          WHERE go.ok
       ), events AS (
         INSERT INTO intake.outbox (event_id, stream_key, topic, value, headers)
         SELECT e.id, e.k, e.t, e.v, e.h
           FROM UNNEST($10::uuid[], $11::text[], $12::text[], $13::text[], $14::jsonb[]) WITH ORDINALITY AS e(id, k, t, v, h, ord),
                locks
          WHERE (SELECT ok FROM go)
          ORDER BY e.ord
         RETURNING 1
       ), stored AS (
         INSERT INTO intake.reports (report_id, hotline_id, incident_id, cases, event_ids)
         SELECT id, $1, incident, cases, ARRAY(SELECT jsonb_array_elements_text(ids)::uuid)
           FROM UNNEST($2::uuid[], $3::uuid[], $4::jsonb[], $8::jsonb[]) AS r(id, incident, cases, ids)
          WHERE (SELECT ok FROM go)
         RETURNING 1
       ), persons AS (
         INSERT INTO intake.person_refs (person_ref, case_id, region)
         SELECT DISTINCT p.r, p.c, p.g
           FROM UNNEST($15::text[], $16::uuid[], $17::text[]) AS p(r, c, g)
          WHERE (SELECT ok FROM go)
         ON CONFLICT (person_ref, case_id) DO NOTHING
       ), keys AS (
         -- No ON CONFLICT: a key created meanwhile, or an erasure, must fail the whole write.
         INSERT INTO vault.person_keys (person_ref, key_version, master_kid, wrapped_key)
         SELECT k.r, k.v, k.m, k.w
           FROM UNNEST($18::text[], $19::int[], $20::text[], $21::text[]) AS k(r, v, m, w)
          WHERE (SELECT ok FROM go)
       )
       SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM stored)::int AS reports`,
      values: [
        hotlineId,
        reports.map((r) => r.reportId),
        reports.map((r) => r.incidentId),
        reports.map((r) => JSON.stringify(r.cases)),
        completion?.key ?? null,
        completion?.token ?? null,
        completion === null ? null : JSON.stringify(completion.response),
        reports.map((r) => JSON.stringify(r.eventIds)),
        OUTBOX_LOCK_SPACE,
        events.map((e) => e.eventId),
        events.map((e) => e.key),
        events.map((e) => e.topic),
        events.map((e) => e.value),
        events.map((e) => JSON.stringify(e.headers)),
        persons.map((p) => p.personRef),
        persons.map((p) => p.caseId),
        persons.map((p) => p.region),
        keys.map((k) => k.personRef),
        keys.map((k) => k.keyVersion),
        keys.map((k) => k.masterKid),
        keys.map((k) => k.wrappedKey),
      ],
    });
    const row = rows[0];
    return { written: row?.reports === reports.length && row.events === events.length };
  }

  /** Drops the open-case mappings of erased persons, so their next report opens a new case. */
  async forgetPersons(personRefs: readonly string[]): Promise<void> {
    await this.pool.query('DELETE FROM intake.person_cases WHERE person_ref = ANY($1::text[])', [
      [...personRefs],
    ]);
  }

  async find(hotlineId: string, reportId: string): Promise<StoredReport | null> {
    const { rows } = await this.pool.query<{
      incident_id: string;
      cases: CaseAccepted[];
      event_ids: string[];
      received_at: Date;
    }>(
      `SELECT incident_id, cases, event_ids, received_at FROM intake.reports WHERE report_id = $1 AND hotline_id = $2`,
      [reportId, hotlineId],
    );
    const row = rows[0];
    return row
      ? {
          reportId,
          incidentId: row.incident_id,
          receivedAt: row.received_at,
          cases: row.cases,
          eventIds: row.event_ids,
        }
      : null;
  }
}
