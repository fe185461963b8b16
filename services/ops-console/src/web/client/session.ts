/** Sign-in and API calls. Tokens live in this module's memory only: never in storage, never in a URL. */

export interface Principal {
  userId: string;
  username: string;
  role: string;
  regions: string[];
  organisation: string | null;
}

interface LoginAnswer {
  status?: 'authenticated' | 'totp-required';
  accessToken?: string;
  refreshToken?: string;
  expiresIn?: number;
  challengeToken?: string;
  principal?: Principal;
  detail?: string;
  title?: string;
}

/** A refused or failed API call, with the problem's detail for the person to read. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function problemDetail(status: number, body: unknown): string {
  const problem = (body ?? {}) as { detail?: unknown; title?: unknown };
  if (typeof problem.detail === 'string') return problem.detail;
  if (typeof problem.title === 'string') return problem.title;
  return `HTTP ${status}`;
}

export class Session {
  principal: Principal | null = null;
  private accessToken: string | null = null;
  private refreshToken: string | null = null;
  private challenge: string | null = null;
  private refreshTimer: number | undefined;

  constructor(
    /** A new access token was issued (sign-in or refresh): the live stream reconnects with it. */
    private readonly onToken: () => void,
    /** The session ended without the person asking (refresh refused). */
    private readonly onExpired: () => void,
  ) {}

  get token(): string | null {
    return this.accessToken;
  }

  async login(username: string, password: string): Promise<'authenticated' | 'totp-required'> {
    const answer = await this.post('/v1/auth/login', { username, password });
    if (answer.status === 'totp-required' && answer.challengeToken) {
      this.challenge = answer.challengeToken;
      return 'totp-required';
    }
    this.accept(answer);
    return 'authenticated';
  }

  async totp(code: string): Promise<void> {
    if (!this.challenge) throw new ApiError(400, 'Sign in with your password first.');
    const answer = await this.post('/v1/auth/totp', { challengeToken: this.challenge, totp: code });
    this.challenge = null;
    this.accept(answer);
  }

  async logout(): Promise<void> {
    const refreshToken = this.refreshToken;
    this.clear();
    if (refreshToken) {
      await fetch('/v1/auth/logout', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      }).catch(() => undefined);
    }
  }

  /** A JSON call with the access token; one refresh and retry if the token has just expired. */
  async api<T>(path: string, init: { method?: 'GET' | 'POST'; body?: unknown } = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (!this.accessToken) throw new ApiError(401, 'Not signed in.');
      const response = await fetch(path, {
        method: init.method ?? 'GET',
        headers: {
          authorization: `Bearer ${this.accessToken}`,
          accept: 'application/json',
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      const body = await readJson(response);
      if (response.status === 401 && attempt === 0 && (await this.refresh())) continue;
      if (!response.ok) throw new ApiError(response.status, problemDetail(response.status, body));
      return body as T;
    }
  }

  private async post(path: string, body: unknown): Promise<LoginAnswer> {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await readJson(response)) as LoginAnswer | null;
    if (!response.ok || !answer) throw new ApiError(response.status, problemDetail(response.status, answer));
    return answer;
  }

  private accept(answer: LoginAnswer): void {
    if (answer.status !== 'authenticated' || !answer.accessToken || !answer.refreshToken) {
      throw new ApiError(500, 'Unexpected answer from the sign-in service.');
    }
    this.accessToken = answer.accessToken;
    this.refreshToken = answer.refreshToken;
    if (answer.principal) this.principal = answer.principal;
    const lifetime = (answer.expiresIn ?? 300) * 1000;
    // Refresh well before expiry (a minute, or a quarter of a short lifetime).
    const lead = Math.min(60_000, lifetime / 4);
    window.clearTimeout(this.refreshTimer);
    this.refreshTimer = window.setTimeout(() => void this.refresh(), Math.max(5_000, lifetime - lead));
    this.onToken();
  }

  private async refresh(): Promise<boolean> {
    if (!this.refreshToken) return false;
    try {
      this.accept(await this.post('/v1/auth/refresh', { refreshToken: this.refreshToken }));
      return true;
    } catch {
      this.clear();
      this.onExpired();
      return false;
    }
  }

  private clear(): void {
    window.clearTimeout(this.refreshTimer);
    this.accessToken = null;
    this.refreshToken = null;
    this.challenge = null;
    this.principal = null;
  }
}
