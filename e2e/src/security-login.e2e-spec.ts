import { totp } from '@beacon/security';
import {
  createTestDatabase,
  freePort,
  startService,
  type ServiceProcess,
  type TestDatabase,
} from '@beacon/testing';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Provider } from 'oidc-provider';
import { type Account, consoleSecrets, createAccount, getJson } from './security-accounts';

const CLIENT = { id: 'beacon-console', secret: randomBytes(24).toString('base64url') };

/** A real OpenID provider (oidc-provider); its login page is answered by the test as a given person with given factors. */
async function startProvider(redirectUri: string): Promise<{
  issuer: string;
  server: Server;
  loginAs: (accountId: string, amr: string[]) => void;
}> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  let next = { accountId: '', amr: [] as string[] };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    findAccount: (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: () => ({ sub, preferred_username: sub }),
    }),
    claims: {
      acr: null,
      amr: null,
      sid: null,
      auth_time: null,
      iss: null,
      openid: ['sub'],
      profile: ['preferred_username'],
    },
    pkce: { required: () => true, methods: ['S256'] },
    features: { devInteractions: { enabled: false }, claimsParameter: { enabled: true } },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    cookies: { keys: [randomBytes(16).toString('hex')] },
  });
  const handler = provider.callback();
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      void (async () => {
        const details = await provider.interactionDetails(req, res);
        const grant = new provider.Grant({ accountId: next.accountId, clientId: CLIENT.id });
        grant.addOIDCScope('openid profile');
        const grantId = await grant.save();
        await provider.interactionFinished(
          req,
          res,
          details.prompt.name === 'login'
            ? { login: { accountId: next.accountId, amr: next.amr }, consent: { grantId } }
            : { consent: { grantId } },
          { mergeWithLastSubmission: false },
        );
      })().catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { issuer, server, loginAs: (accountId, amr) => (next = { accountId, amr }) };
}

/** Follows redirects as a browser would, keeping cookies, until one points back at Beacon's callback. */
async function browse(start: string, callback: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = start;
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const location = response.headers.get('location');
    if (!location)
      throw new Error(`answered ${response.status} without a redirect: ${await response.text()}`);
    const next = new URL(location, url);
    if (next.toString().startsWith(callback)) return next;
    url = next.toString();
  }
  throw new Error('too many redirects');
}

const post = async (url: string, body: unknown) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : null) as Record<string, unknown>,
  };
};

describe('staff login on the running console: password + TOTP, refresh, lockout, and OIDC with a real provider', () => {
  let db: TestDatabase;
  let console_: ServiceProcess;
  let provider: Awaited<ReturnType<typeof startProvider>>;
  let env: Record<string, string>;
  let officer: Account;

  beforeAll(async () => {
    db = await createTestDatabase('beacon_sec_login');
    const port = await freePort();
    const callback = `http://127.0.0.1:${port}/v1/auth/oidc/callback`;
    provider = await startProvider(callback);
    env = {
      DATABASE_URL: db.url,
      VAULT_MASTER_KEYS: `mk1:${randomBytes(32).toString('base64')}`,
      ...consoleSecrets(),
      OIDC_ISSUER_URL: provider.issuer,
      OIDC_CLIENT_ID: CLIENT.id,
      OIDC_CLIENT_SECRET: CLIENT.secret,
      OIDC_REDIRECT_URI: callback,
      OIDC_MFA_AMR: 'mfa,otp',
      LOG_LEVEL: 'warn',
    };
    console_ = await startService('ops-console', env, port);
    officer = createAccount(env, 'officer.almaty', 'officer', { regions: ['almaty'] });
    createAccount(env, 'officer.sso', 'officer', { regions: ['almaty'] });
    createAccount(env, 'ops.sso', 'ops');
  });

  afterAll(async () => {
    await console_?.stop();
    await new Promise((resolve) => provider?.server.close(resolve));
    await db?.drop();
  });

  const url = (path: string) => `${console_.baseUrl}${path}`;

  it('asks an officer for a TOTP code after the password, and the tokens it issues refresh and rotate', async () => {
    const first = await post(url('/v1/auth/login'), {
      username: officer.username,
      password: officer.password,
    });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      status: 'totp-required',
      challengeToken: expect.any(String),
      expiresIn: expect.any(Number),
    });
    const second = await post(url('/v1/auth/totp'), {
      challengeToken: first.body['challengeToken'],
      totp: totp(officer.totpSecret!, Math.floor(Date.now() / 1000)),
    });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({
      status: 'authenticated',
      principal: { role: 'officer', regions: ['almaty'] },
    });
    expect((await getJson(url('/docs/json'), second.body['accessToken'] as string)).status).toBe(
      200,
    );

    const refreshed = await post(url('/v1/auth/refresh'), {
      refreshToken: second.body['refreshToken'],
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body['refreshToken']).not.toBe(second.body['refreshToken']);
    // The spent refresh token, presented again, ends the whole session.
    expect(
      (await post(url('/v1/auth/refresh'), { refreshToken: second.body['refreshToken'] })).status,
    ).toBe(401);
    expect(
      (await post(url('/v1/auth/refresh'), { refreshToken: refreshed.body['refreshToken'] }))
        .status,
    ).toBe(401);
  });

  it('locks a username after 5 failures, answering 429 with Retry-After even to the right password', async () => {
    const target = createAccount(env, 'ops.locked', 'ops');
    for (let i = 0; i < 5; i++)
      expect(
        (
          await post(url('/v1/auth/login'), {
            username: target.username,
            password: 'wrong-password-123',
          })
        ).status,
      ).toBe(401);
    const locked = await post(url('/v1/auth/login'), {
      username: target.username,
      password: target.password,
    });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(locked.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('logs in through the identity provider, requiring its second factor for an officer but not for ops', async () => {
    const oidc = async (accountId: string, amr: string[]) => {
      provider.loginAs(accountId, amr);
      const start = await fetch(url('/v1/auth/oidc/start'), { redirect: 'manual' });
      expect(start.status).toBe(302);
      const back = await browse(start.headers.get('location')!, env.OIDC_REDIRECT_URI!);
      return getJson(`${url('/v1/auth/oidc/callback')}${back.search}`, null);
    };
    const withMfa = await oidc('officer.sso', ['pwd', 'mfa']);
    expect(withMfa.status).toBe(200);
    expect(withMfa.body).toMatchObject({
      status: 'authenticated',
      principal: { username: 'officer.sso', role: 'officer' },
    });
    const token = (withMfa.body as { accessToken: string }).accessToken;
    expect((await getJson(url('/docs/json'), token)).status).toBe(200);
    expect((await getJson(url('/v1/audit'), token)).status).toBe(403);

    const withoutMfa = await oidc('officer.sso', ['pwd']);
    expect(withoutMfa.status).toBe(403);
    expect(JSON.stringify(withoutMfa.body)).toContain('mfa-required');
    expect((await oidc('ops.sso', ['pwd'])).status).toBe(200);
    expect((await oidc('nobody', ['pwd', 'mfa'])).status).toBe(401);
  });
});
