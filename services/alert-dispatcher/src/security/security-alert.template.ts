import { type BulkReadAlert } from '@beacon/audit';

export interface SecurityMail {
  subject: string;
  text: string;
}

/**
 * The security desk's message about a bulk read: who (an opaque user id), how many cases, when,
 * and what to do. Never which cases or persons: the message may pass through relays we do not
 * control, and the audit log behind a login has the rest.
 */
export function bulkReadMail(alert: BulkReadAlert, consoleUrl: string): SecurityMail {
  const minutes = Math.max(
    1,
    Math.round((alert.raisedAt.getTime() - alert.windowStart.getTime()) / 60_000),
  );
  const audit = new URL(
    `/v1/audit?actorId=${encodeURIComponent(alert.actorId)}`,
    consoleUrl,
  ).toString();
  return {
    subject: `[Beacon] Security alert: bulk read by user ${alert.actorId}`,
    text: [
      `Beacon audit alert ${alert.id} (bulk read).`,
      '',
      `User ${alert.actorId} read identifying data of ${alert.subjects} cases within ${minutes} minutes`,
      `(the threshold is ${alert.threshold}), the last at ${alert.raisedAt.toISOString()}.`,
      '',
      `Review what was read, and why, in the audit log (admins, login required): ${audit}`,
      `If this was not expected, disable the account at once: beacon users disable ${alert.actorId}`,
      '',
    ].join('\n'),
  };
}
