import { type AuditRecorder } from '@beacon/audit';
import { userInfo } from 'node:os';

/** The operating-system account that ran the CLI, as an opaque audit actor. */
export function cliActor(): string {
  const name = userInfo().username.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 48) || 'unknown';
  return `cli:${name}`;
}

/** Records an administrative act of the projector CLI; the purpose names the act. */
export async function recordAdminAct(
  audit: AuditRecorder,
  purpose: string,
  detail: Record<string, string | number | boolean> = {},
): Promise<void> {
  await audit.record({
    actor: { id: cliActor(), role: 'admin' },
    action: 'admin',
    subject: { type: 'system', id: 'projections' },
    purpose,
    detail,
  });
}
