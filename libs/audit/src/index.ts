export {
  AUDIT_ACTIONS,
  auditEntrySchema,
  AuditException,
  AuditLog,
  SUBJECT_TYPES,
  type AuditAction,
  type AuditEntry,
  type AuditEntryInput,
  type AuditErrorCode,
  type AuditFilter,
  type AuditRecorder,
  type BulkReadAlert,
  type BulkReadPolicy,
  type SubjectType,
} from './lib/audit-log.repository';
export {
  AUDIT_SCHEMA,
  auditMigrations,
  auditWriterGrantsSql,
  migrateAudit,
} from './lib/migrations';
