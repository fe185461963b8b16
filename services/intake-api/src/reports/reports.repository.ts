import { type OutboxRecord, OUTBOX_LOCK_SPACE } from '@beacon/persistence';
import { newPersonRef } from '@beacon/security';
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
   * idempotency answer (when the request has a key), every event into the outbox, and the
   * reports. The outbox's per-key advisory locks are taken first, in key order, exactly as
   * `Outbox.append` takes them, so relays see each case's events in commit order. When the claim
   * is no longer ours (it expired and a retry took it over) nothing at all is written.
   */
  async write(
    hotlineId: string,
    events: readonly OutboxRecord[],
    reports: readonly Omit<StoredReport, 'receivedAt'>[],
    completion: { key: string; token: string; response: unknown } | null,
    persons: readonly PersonCaseRef[] = [],
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
