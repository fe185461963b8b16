/** The audit log the console records reads, shares and admin acts in (an AuditLog). */
export const CONSOLE_AUDIT = Symbol('CONSOLE_AUDIT');
