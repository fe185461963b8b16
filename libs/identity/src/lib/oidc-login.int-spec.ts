import { createHttpApp } from '@beacon/http';
import { runMigrations } from '@beacon/persistence';
import { keyRingFrom } from '@beacon/security';
import { createTestDatabase, freePort, type TestDatabase } from '@beacon/testing';
import { Module } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Provider } from 'oidc-provider';
import { IDENTITY_SCHEMA, identityMigrations, IdentityModule, TokensService, UsersService } from '../index';

const REDIRECT_URI = 'https://console.beacon.test/v1/auth/oidc/callback';
const CLIENT = { id: 'beacon-console', secret: randomBytes(24).toString('base64url') };

/** A real OpenID provider (oidc-provider) whose login page the test answers as a given person with given factors. */
async function startProvider(): Promise<{ issuer: string; server: Server; loginAs: (accountId: string, amr: string[]) => void }> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  let next = { accountId: '', amr: [] as string[] };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub, preferred_username: sub }) }),
    claims: { acr: null, amr: null, sid: null, auth_time: null, iss: null, openid: ['sub'], profile: ['preferred_username'] },
    pkce: { required: () => true, methods: ['S256'] },
    features: { devInteractions: { enabled: false }, claimsParameter: { enabled: true } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
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
          details.prompt.name === 'login' ? { login: { accountId: next.accountId, amr: next.amr }, consent: { grantId } } : { consent: { grantId } },
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

/** Follows the provider's redirects as a browser would, keeping its cookies, until it points back at Beacon. */
async function browse(start: string): Promise<URL> {
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
    if (!location) throw new Error(`the provider answered ${response.status} without a redirect: ${await response.text()}`);
    const next = new URL(location, url);
    if (next.toString().startsWith(REDIRECT_URI)) return next;
    url = next.toString();
  }
  throw new Error('too many redirects');
}

describe('OIDC login', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let provider: Awaited<ReturnType<typeof startProvider>>;
  let users: UsersService;
  const admin = { id: 'admin-seed', role: 'admin' };

  beforeAll(async () => {
    db = await createTestDatabase('beacon_oidc');
    await runMigrations(db.url, IDENTITY_SCHEMA, identityMigrations);
    provider = await startProvider();

    @Module({
      imports: [
        IdentityModule.forRoot({
          databaseUrl: db.url,
          issuer: 'https://console.beacon.test',
          accessTokenKeys: keyRingFrom({ kid: 'at1', key: randomBytes(32) }),
          totpKeys: keyRingFrom({ kid: 'tk1', key: randomBytes(32) }),
          oidc: {
            issuerUrl: provider.issuer,
            clientId: CLIENT.id,
            clientSecret: CLIENT.secret,
            redirectUri: REDIRECT_URI,
            usernameClaim: 'preferred_username',
            mfaAmrValues: ['mfa', 'otp'],
          },
        }),
      ],
    })
    class OidcAppModule {}

    app = await createHttpApp(OidcAppModule);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    users = app.get(UsersService);
    await users.create({ username: 'officer.sso', role: 'officer', regions: ['almaty'], oidcOnly: true }, admin);
    await users.create({ username: 'ops.sso', role: 'ops', oidcOnly: true }, admin);
  });

  afterAll(async () => {
    await app?.close();
    await new Promise((resolve) => provider?.server.close(resolve));
    await db?.drop();
  });

  async function login(accountId: string, amr: string[]) {
    provider.loginAs(accountId, amr);
    const start = await app.inject({ method: 'GET', url: '/v1/auth/oidc/start' });
    expect(start.statusCode).toBe(302);
    const authorizationUrl = new URL(start.headers.location as string);
    const back = await browse(authorizationUrl.toString());
    const callback = await app.inject({ method: 'GET', url: `/v1/auth/oidc/callback${back.search}` });
    return { authorizationUrl, back, status: callback.statusCode, body: JSON.parse(callback.body) as Record<string, unknown> };
  }

  it('logs an officer in through the provider with PKCE when it asserts a second factor', async () => {
    const sut = await login('officer.sso', ['pwd', 'otp']);
    expect(sut.authorizationUrl.origin).toBe(provider.issuer);
    expect(sut.authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(sut.authorizationUrl.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.parse(sut.authorizationUrl.searchParams.get('claims')!)).toEqual({ id_token: { amr: { essential: true } } });
    expect(sut.status).toBe(200);
    expect(sut.body).toMatchObject({ status: 'authenticated', principal: { username: 'officer.sso', role: 'officer', regions: ['almaty'] } });
    const principal = await app.get(TokensService).verifyAccessToken(sut.body['accessToken'] as string);
    expect(principal).toMatchObject({ role: 'officer', regions: ['almaty'] });
    expect(principal.amr).toEqual(['oidc', 'pwd', 'otp']);
  });

  it('refuses an officer whose provider login had no second factor, but lets ops in', async () => {
    const officer = await login('officer.sso', ['pwd']);
    expect(officer.status).toBe(403);
    expect(officer.body).toMatchObject({ type: expect.stringContaining('mfa-required') });
    expect(officer.body['accessToken']).toBeUndefined();
    expect((await login('ops.sso', ['pwd'])).body).toMatchObject({ status: 'authenticated', principal: { role: 'ops' } });
  });

  it('refuses identities with no Beacon account, disabled accounts, and a replayed callback', async () => {
    expect((await login('stranger', ['pwd', 'otp'])).status).toBe(401);

    const first = await login('ops.sso', ['pwd']);
    expect(first.status).toBe(200);
    const replay = await app.inject({ method: 'GET', url: `/v1/auth/oidc/callback${first.back.search}` });
    expect(replay.statusCode).toBe(401);
    expect(JSON.parse(replay.body)).toMatchObject({ type: expect.stringContaining('oidc-failed') });

    const forged = await app.inject({ method: 'GET', url: '/v1/auth/oidc/callback?code=abc&state=made-up' });
    expect(forged.statusCode).toBe(401);

    const ops = await users.resolve('ops.sso');
    await users.disable(ops.id, admin);
    expect((await login('ops.sso', ['pwd'])).status).toBe(401);
  });
});
