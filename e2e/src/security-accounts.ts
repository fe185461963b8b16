import { base32Decode, totp } from '@beacon/security';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** The secrets the console needs to host accounts and read identities: fresh for every suite. */
export function consoleSecrets(): Record<string, string> {
  const key = () => randomBytes(32).toString('base64');
  return {
    AUTH_ACCESS_TOKEN_KEYS: `at1:${key()}`,
    AUTH_TOTP_KEYS: `tk1:${key()}`,
    // Long enough that a suite never has to refresh in the middle of an assertion.
    AUTH_ACCESS_TOKEN_TTL_SECONDS: '600',
  };
}

export interface Account {
  userId: string;
  username: string;
  password: string;
  /** Null for roles without a second factor. */
  totpSecret: Buffer | null;
}

/** Runs `beacon <args…>` (bin/beacon.mjs) with the given environment, as an operator would. */
export function beacon(env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, 'bin/beacon.mjs'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `beacon users create`, reading the password and TOTP secret it shows once. */
export function createAccount(
  consoleEnv: Record<string, string>,
  username: string,
  role: string,
  options: { regions?: string[]; organisation?: string } = {},
): Account {
  const args = ['users', 'create', username, '--role', role];
  if (options.regions) args.push('--regions', options.regions.join(','));
  if (options.organisation) args.push('--organisation', options.organisation);
  const result = beacon(consoleEnv, ...args);
  if (result.status !== 0)
    throw new Error(`beacon ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return accountFrom(result.stdout);
}

function accountFrom(stdout: string): Account {
  const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)$`, 'm').exec(stdout)?.[1];
  const uri = field('totp uri');
  return {
    userId: field('user id') ?? '',
    username: field('username') ?? '',
    password: field('password') ?? '',
    totpSecret: uri ? base32Decode(new URL(uri).searchParams.get('secret') ?? '') : null,
  };
}

/** An account created by an admin over the API, in the shape `createAccount` returns. */
export function accountFromApi(body: {
  user: { userId: string; username: string };
  initialPassword: string | null;
  totpUri: string | null;
}): Account {
  return {
    userId: body.user.userId,
    username: body.user.username,
    password: body.initialPassword ?? '',
    totpSecret: body.totpUri
      ? base32Decode(new URL(body.totpUri).searchParams.get('secret') ?? '')
      : null,
  };
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token is valid for. */
  expiresIn: number;
}

/**
 * Password and, where the role needs it, a TOTP code. Each code is accepted once per account,
 * so a second login within the same 30 s step waits for the next one.
 */
export async function login(consoleUrl: string, account: Account): Promise<Session> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const body: Record<string, string> = { username: account.username, password: account.password };
    if (account.totpSecret) body.totp = totp(account.totpSecret, Math.floor(Date.now() / 1000));
    const response = await fetch(`${consoleUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as {
      status: unknown;
      type?: string;
      accessToken?: string;
      refreshToken?: string;
      expiresIn?: number;
    };
    if (
      response.ok &&
      answer.status === 'authenticated' &&
      answer.accessToken &&
      answer.refreshToken
    ) {
      return {
        accessToken: answer.accessToken,
        refreshToken: answer.refreshToken,
        expiresIn: answer.expiresIn ?? 300,
      };
    }
    if (!String(answer.type ?? '').includes('invalid-totp')) {
      throw new Error(
        `login of ${account.username} failed: ${response.status} ${JSON.stringify(answer)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 200));
  }
  throw new Error(`login of ${account.username} kept failing`);
}

/** A GET with a bearer token; the answer's status and parsed body. */
export async function getJson(
  url: string,
  token: string | null,
): Promise<{ status: number; body: unknown; contentType: string }> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as unknown) : null,
    contentType: response.headers.get('content-type') ?? '',
  };
}

/** A signed-in account that refreshes its access token before it expires, for suites that run long. */
export class ConsoleSession {
  private session: (Session & { expiresAt: number }) | null = null;

  constructor(
    private readonly consoleUrl: string,
    private readonly account: Account,
  ) {}

  async token(): Promise<string> {
    if (this.session && Date.now() < this.session.expiresAt - 60_000)
      return this.session.accessToken;
    if (this.session) {
      const response = await fetch(`${this.consoleUrl}/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: this.session.refreshToken }),
      });
      const answer = (await response.json()) as {
        accessToken?: string;
        refreshToken?: string;
        expiresIn?: number;
      };
      if (response.ok && answer.accessToken && answer.refreshToken) {
        const expiresIn = answer.expiresIn ?? 300;
        this.session = {
          accessToken: answer.accessToken,
          refreshToken: answer.refreshToken,
          expiresIn,
          expiresAt: Date.now() + expiresIn * 1000,
        };
        return answer.accessToken;
      }
    }
    const fresh = await login(this.consoleUrl, this.account);
    this.session = { ...fresh, expiresAt: Date.now() + fresh.expiresIn * 1000 };
    return fresh.accessToken;
  }
}
