import { ProblemException } from '@beacon/http';
import { Inject, Injectable } from '@nestjs/common';
import { CONSOLE_CONFIG, type ConsoleConfig } from '../console.config';

export interface DispatcherAnswer {
  status: number;
  body: unknown;
}

/**
 * The alert-dispatcher's service API. ALERT_DISPATCHER_URL carries the shared service token
 * as its password (http://console:<token>@alert-dispatcher:3200); it is sent as a bearer
 * token and never logged.
 */
@Injectable()
export class AlertDispatcherClient {
  private readonly base: URL | null;
  private readonly token: string | null;

  constructor(@Inject(CONSOLE_CONFIG) config: ConsoleConfig) {
    if (!config.ALERT_DISPATCHER_URL) {
      this.base = null;
      this.token = null;
      return;
    }
    const url = new URL(config.ALERT_DISPATCHER_URL);
    this.token = decodeURIComponent(url.password) || null;
    url.username = '';
    url.password = '';
    this.base = url;
  }

  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<DispatcherAnswer> {
    if (!this.base || !this.token) {
      throw new ProblemException(
        503,
        'alerting-unavailable',
        'Alerting not connected',
        'This console has no ALERT_DISPATCHER_URL: acknowledge by SMS reply or e-mail link.',
      );
    }
    let response: Response;
    try {
      response = await fetch(new URL(path, this.base), {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      throw new ProblemException(
        502,
        'alerting-unreachable',
        'Alert dispatcher unreachable',
        'The alert dispatcher did not answer; try again, or acknowledge by SMS reply.',
      );
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = null;
    }
    if (response.status === 401) {
      // The console's token is wrong: an operator's problem, not the officer's.
      throw new ProblemException(
        502,
        'alerting-misconfigured',
        'Alert dispatcher refused the console',
        'The console and the dispatcher do not share a service token.',
      );
    }
    return { status: response.status, body: parsed };
  }
}
