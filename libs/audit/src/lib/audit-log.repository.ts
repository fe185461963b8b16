import { IDENTITY_FIELDS } from '@beacon/access-policy';
import { randomUUID } from 'node:crypto';
import { type Pool, type PoolClient } from 'pg';
import { z } from 'zod';

export const AUDIT_ACTIONS = ['read', 'export', 'share', 'override', 'erase', 'admin'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export const SUBJECT_TYPES = ['case', 'person', 'user', 'system'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

const opaque = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'Expected an opaque identifier');
const code = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,63}$/, 'Expected a short lowercase code such as "case-work"');

/**
 * What one audited act is. Everything here is kept forever, so it holds ids and codes only:
 * never a name, a number, a place or free text (the purpose is a code, not a sentence).
 */
export const auditEntrySchema = z.strictObject({
  actor: z.strictObject({ id: opaque, role: code }),
  action: z.enum(AUDIT_ACTIONS),
  subject: z.strictObject({ type: z.enum(SUBJECT_TYPES), id: opaque }),
  fields: z
    .array(z.string().regex(/^[A-Za-z][A-Za-z0-9.-]{0,63}$/, 'Expected a field name'))
    .max(100)
    .default([]),
  /** Whether identifying data was disclosed; defaults to "any identity field among `fields`". */
  identifying: z.boolean().optional(),
  purpose: code,
  at: z.date().optional(),
  detail: z
    .record(
      z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,31}$/),
      z.union([z.number(), z.boolean(), opaque]),
    )
    .default({}),
});
export type AuditEntryInput = z.input<typeof auditEntrySchema>;

export interface AuditEntry {
  seq: number;
  id: string;
  at: Date;
  recordedAt: Date;
  actor: { id: string; role: string };
  action: AuditAction;
  subject: { type: SubjectType; id: string };
  fields: string[];
  identifying: boolean;
  purpose: string;
  detail: Record<string, string | number | boolean>;
}

export interface BulkReadAlert {
  seq: number;
  id: string;
  kind: 'bulk-read';
  actorId: string;
  raisedAt: Date;
  windowStart: Date;
  /** Distinct subjects whose identifying data the actor read within the window. */
  subjects: number;
  threshold: number;
}

export interface AuditFilter {
  actorId?: string;
  action?: AuditAction;
  subjectType?: SubjectType;
  subjectId?: string;
  from?: Date;
  to?: Date;
  /** Page backwards: entries with a smaller seq than this. */
  beforeSeq?: number;
  limit?: number;
}

export interface BulkReadPolicy {
  /** Distinct subjects read with identifying data within the window that raise an alert. */
  threshold: number;
  windowMs: number;
}

export type AuditErrorCode = 'invalid-entry';

export class AuditException extends Error {
  override readonly name = 'AuditException';
  constructor(
    readonly code: AuditErrorCode,
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** The narrow port services depend on to record; AuditLog implements it. */
export interface AuditRecorder {
  record(
    entry: AuditEntryInput,
    client?: PoolClient,
  ): Promise<{ entry: AuditEntry; alert: BulkReadAlert | null }>;
}

const DISCLOSING: readonly AuditAction[] = ['read', 'export', 'share'];
const IDENTITY: readonly string[] = IDENTITY_FIELDS;

/** Append-only log of reads of personal data, exports, shares, overrides, erasures and admin acts. */
export class AuditLog implements AuditRecorder {
  private readonly bulk: BulkReadPolicy;

  constructor(
    private readonly pool: Pool,
    options: { bulkRead?: Partial<BulkReadPolicy>; now?: () => Date } = {},
  ) {
    this.bulk = {
      threshold: options.bulkRead?.threshold ?? 50,
      windowMs: options.bulkRead?.windowMs ?? 10 * 60_000,
    };
    if (!(this.bulk.threshold >= 1) || !(this.bulk.windowMs >= 1))
      throw new Error('bulk-read threshold and window must be positive');
    this.now = options.now ?? (() => new Date());
  }

  private readonly now: () => Date;

  /**
   * Appends one entry; pass the caller's transaction client to commit it with the act it
   * records. Returns the bulk-read alert when this entry made the actor cross the threshold.
   */
  async record(
    input: AuditEntryInput,
    client?: PoolClient,
  ): Promise<{ entry: AuditEntry; alert: BulkReadAlert | null }> {
    const parsed = auditEntrySchema.safeParse(input);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        path: i.path.join('.'),
        message: i.message,
      }));
      throw new AuditException(
        'invalid-entry',
        `invalid audit entry: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        issues,
      );
    }
    const entry = parsed.data;
    const identifying = entry.identifying ?? entry.fields.some((f) => IDENTITY.includes(f));
    const at = entry.at ?? this.now();
    const work = async (db: PoolClient) => {
      const { rows } = await db.query<EntryRow>(
        `INSERT INTO audit.entries (id, at, actor_id, actor_role, action, subject_type, subject_id, fields, identifying, purpose, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
        [
          randomUUID(),
          at,
          entry.actor.id,
          entry.actor.role,
          entry.action,
          entry.subject.type,
          entry.subject.id,
          entry.fields,
          identifying,
          entry.purpose,
          entry.detail,
        ],
      );
      const alert =
        identifying && DISCLOSING.includes(entry.action)
          ? await this.detectBulkRead(db, entry.actor.id, at)
          : null;
      return { entry: toEntry(rows[0]!), alert };
    };
    if (client) return work(client);
    const own = await this.pool.connect();
    try {
      await own.query('BEGIN');
      const result = await work(own);
      await own.query('COMMIT');
      return result;
    } catch (error) {
      await own.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      own.release();
    }
  }

  /** Newest first, for the admin view. */
  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.actorId !== undefined) add('actor_id = ?', filter.actorId);
    if (filter.action !== undefined) add('action = ?', filter.action);
    if (filter.subjectType !== undefined) add('subject_type = ?', filter.subjectType);
    if (filter.subjectId !== undefined) add('subject_id = ?', filter.subjectId);
    if (filter.from !== undefined) add('at >= ?', filter.from);
    if (filter.to !== undefined) add('at < ?', filter.to);
    if (filter.beforeSeq !== undefined) add('seq < ?', filter.beforeSeq);
    params.push(Math.min(Math.max(filter.limit ?? 100, 1), 1000));
    const { rows } = await this.pool.query<EntryRow>(
      `SELECT * FROM audit.entries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toEntry);
  }

  /** Oldest first after a cursor, so a poller (dispatcher, console) can page through new alerts. */
  async alertsAfter(afterSeq = 0, limit = 100): Promise<BulkReadAlert[]> {
    const { rows } = await this.pool.query<AlertRow>(
      'SELECT * FROM audit.alerts WHERE seq > $1 ORDER BY seq LIMIT $2',
      [afterSeq, Math.min(Math.max(limit, 1), 1000)],
    );
    return rows.map(toAlert);
  }

  private async detectBulkRead(
    db: PoolClient,
    actorId: string,
    at: Date,
  ): Promise<BulkReadAlert | null> {
    // One actor's entries are counted one transaction at a time, so a burst raises one alert, not several.
    await db.query(
      `SELECT pg_advisory_xact_lock(hashtextextended('beacon-audit-bulk:' || $1, 0))`,
      [actorId],
    );
    const windowStart = new Date(at.getTime() - this.bulk.windowMs);
    const { rows } = await db.query<{ subjects: number; alerted: boolean }>(
      `SELECT (SELECT count(DISTINCT (subject_type, subject_id))::int FROM audit.entries
                WHERE actor_id = $1 AND identifying AND action IN ('read', 'export', 'share') AND at > $2 AND at <= $3) AS subjects,
              EXISTS (SELECT 1 FROM audit.alerts WHERE actor_id = $1 AND raised_at > $2) AS alerted`,
      [actorId, windowStart, at],
    );
    const { subjects, alerted } = rows[0]!;
    if (subjects < this.bulk.threshold || alerted) return null;
    const inserted = await db.query<AlertRow>(
      `INSERT INTO audit.alerts (id, kind, actor_id, raised_at, window_start, subjects, threshold)
       VALUES ($1, 'bulk-read', $2, $3, $4, $5, $6) RETURNING *`,
      [randomUUID(), actorId, at, windowStart, subjects, this.bulk.threshold],
    );
    return toAlert(inserted.rows[0]!);
  }
}

interface EntryRow {
  seq: string;
  id: string;
  at: Date;
  recorded_at: Date;
  actor_id: string;
  actor_role: string;
  action: AuditAction;
  subject_type: SubjectType;
  subject_id: string;
  fields: string[];
  identifying: boolean;
  purpose: string;
  detail: Record<string, string | number | boolean>;
}

interface AlertRow {
  seq: string;
  id: string;
  actor_id: string;
  raised_at: Date;
  window_start: Date;
  subjects: number;
  threshold: number;
}

function toEntry(row: EntryRow): AuditEntry {
  return {
    seq: Number(row.seq),
    id: row.id,
    at: row.at,
    recordedAt: row.recorded_at,
    actor: { id: row.actor_id, role: row.actor_role },
    action: row.action,
    subject: { type: row.subject_type, id: row.subject_id },
    fields: row.fields,
    identifying: row.identifying,
    purpose: row.purpose,
    detail: row.detail,
  };
}

function toAlert(row: AlertRow): BulkReadAlert {
  return {
    seq: Number(row.seq),
    id: row.id,
    kind: 'bulk-read',
    actorId: row.actor_id,
    raisedAt: row.raised_at,
    windowStart: row.window_start,
    subjects: row.subjects,
    threshold: row.threshold,
  };
}
