import { randomBytes } from 'node:crypto';

export interface AcceptedReport {
  reportId: string;
  idempotencyKey: string;
  critical: boolean;
  cases: { caseId: string; eventIds: string[] }[];
  /** Attempts it took (refused, failed or timed-out requests retried with the same key). */
  attempts: number;
}

export interface Hotline {
  /** Intake instances; attempts go round them, as a load balancer would send retries. */
  intakeUrls: () => string[];
  key: string;
}

/**
 * A one-person report. Critical ones (detained, no access to anyone) raise an alert that pages
 * the on-call officer and the legal-aid partner; the others (a legal-aid visit logged) page
 * nobody. The name is sealed by intake; no registration number, so every report is a new case.
 */
export function reportBody(critical: boolean, n: number) {
  const occurredAt = new Date(Date.now() - 30 * 60_000).toISOString();
  const common = {
    occurredAt,
    region: 'almaty',
    source: { role: 'family', reliability: 'credible', channel: 'call', language: 'ru' },
    recordedBy: 'operator-faults',
    persons: [{ name: `Person ${n}`, unhcrStatus: 'refugee', sex: 'male', ageBand: '18-59' }],
  };
  return critical
    ? {
        ...common,
        timeBand: 'night',
        facts: [
          {
            type: 'detention-reported',
            place: { region: 'almaty', district: 'bostandyk' },
            authority: 'unidentified-armed-men',
            manner: 'home-raid',
            statedReason: 'none-given',
          },
          { type: 'access-status-updated', family: 'denied', lawyer: 'denied', unhcr: 'denied', ngo: 'denied' },
        ],
      }
    : {
        ...common,
        facts: [{ type: 'intervention-logged', actor: 'legal-partner', interventionType: 'legal-aid', response: 'assistance-given' }],
      };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Posts one report until it is accepted, as a hotline's client does: the same body and the
 * same Idempotency-Key on every attempt, whatever went wrong (refused connection, 5xx, 409
 * while the first attempt is in flight, 429, a timeout whose request may have committed).
 */
export async function postUntilAccepted(
  hotline: Hotline,
  body: unknown,
  critical: boolean,
  { idempotencyKey = `faults-${randomBytes(10).toString('hex')}`, giveUpAfterMs = 240_000, firstInstance = 0 } = {},
): Promise<AcceptedReport> {
  const deadline = Date.now() + giveUpAfterMs;
  let lastProblem = '';
  for (let attempt = 1; ; attempt++) {
    const urls = hotline.intakeUrls();
    const url = urls[(firstInstance + attempt - 1) % urls.length]!;
    try {
      const response = await fetch(`${url}/v1/reports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hotline.key}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      if (response.status === 202) {
        const accepted = (await response.json()) as { reportId: string; cases: { caseId: string; eventIds: string[] }[] };
        return { reportId: accepted.reportId, idempotencyKey, critical, cases: accepted.cases, attempts: attempt };
      }
      lastProblem = `${response.status} ${(await response.text()).slice(0, 300)}`;
      // A request the service refuses outright (bad body, bad key) will never be accepted.
      if ([400, 401, 403, 413, 415, 422].includes(response.status)) throw new Error(`report refused: ${lastProblem}`);
    } catch (error) {
      if ((error as Error).message.startsWith('report refused')) throw error;
      lastProblem = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`report not accepted after ${attempt} attempts: ${lastProblem}`);
    await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2));
  }
}

export interface LoadRun {
  /** Stops starting new reports and waits until every started one is accepted. */
  finish(): Promise<AcceptedReport[]>;
  started(): number;
}

/** An open-loop load: `perSecond` reports started every second, `criticalShare` of them critical. */
export function startLoad(hotline: Hotline, { perSecond, criticalShare }: { perSecond: number; criticalShare: number }): LoadRun {
  const inFlight: Promise<AcceptedReport>[] = [];
  let n = 0;
  let critical = 0;
  const timer = setInterval(() => {
    n++;
    // Spread critical reports evenly rather than at random, so a short run still has its share.
    const isCritical = Math.floor(n * criticalShare) > critical;
    if (isCritical) critical++;
    inFlight.push(postUntilAccepted(hotline, reportBody(isCritical, n), isCritical, { firstInstance: n }));
  }, 1_000 / perSecond);
  return {
    started: () => n,
    finish: async () => {
      clearInterval(timer);
      return Promise.all(inFlight);
    },
  };
}
