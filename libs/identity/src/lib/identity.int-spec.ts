import { AuditLog, AUDIT_SCHEMA, auditMigrations } from '@beacon/audit';
import { createHttpApp } from '@beacon/http';
import { createPool, runMigrations, type Pool } from '@beacon/persistence';
import { base32Decode, keyRingFrom, totp } from '@beacon/security';
import { createTestDatabase, type TestDatabase } from '@beacon/testing';
import { Controller, Get, Module, Param, UseFilters, UseGuards } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import {
  authorizeOrThrow,
  CLI_OUTPUT,
  type CliOutput,
  CurrentPrincipal,
  IDENTITY_SCHEMA,
  identityMigrations,
  IdentityExceptionFilter,
  IdentityModule,
  RequireRole,
  UserAuthGuard,
  type UserPrincipal,
  UsersCommand,
  UsersService,
} from '../index';

/** What a service does with the identity module: guard a route, then ask the policy about the resource. */
@Controller('v1/probe')
@UseGuards(UserAuthGuard)
@UseFilters(IdentityExceptionFilter)
class ProbeController {
  @Get('cases/:region')
  @RequireRole('officer', 'admin', 'legal-aid')
  read(@CurrentPrincipal() principal: UserPrincipal, @Param('region') region: string) {
    const decision = authorizeOrThrow(principal, 'case.read', { region });
    return { userId: principal.userId, role: principal.role, amr: principal.amr, fields: decision.fields };
  }
}

interface Json {
  [key: string]: unknown;
}

describe(IdentityModule.name, () => {
  let db: TestDatabase;
  let pool: Pool;
  let app: NestFastifyApplication;
  let users: UsersService;
  let audit: AuditLog;
  let now = new Date('2025-03-01T00:00:00Z');
  const tick = (seconds: number) => (now = new Date(now.getTime() + seconds * 1000));
  const cliLines: string[] = [];
  const cliErrors: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('beacon_identity');
    await runMigrations(db.url, IDENTITY_SCHEMA, identityMigrations);
    await runMigrations(db.url, AUDIT_SCHEMA, auditMigrations);
    pool = createPool(db.url, 'identity-test', 5);
    audit = new AuditLog(pool);
    const output: CliOutput = { out: (t) => cliLines.push(t), err: (t) => cliErrors.push(t) };

    @Module({
      imports: [
        IdentityModule.forRoot({
          databaseUrl: db.url,
          issuer: 'https://console.beacon.test',
          accessTokenKeys: keyRingFrom({ kid: 'at1', key: randomBytes(32) }),
          accessTokenTtlSeconds: 300,
          totpKeys: keyRingFrom({ kid: 'tk1', key: randomBytes(32) }),
          audit,
          now: () => now,
        }),
      ],
      controllers: [ProbeController],
    })
    class TestAppModule {}

    app = await createHttpApp(TestAppModule);
    // The CLI commands print through CLI_OUTPUT; capture it instead of the process streams.
    Object.assign(app.get(CLI_OUTPUT), output);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    users = app.get(UsersService);
  });

  afterAll(async () => {
    await app?.close();
    await pool?.end();
    await db?.drop();
  });

  async function call(method: 'GET' | 'POST', url: string, body?: unknown, token?: string): Promise<{ status: number; body: Json; headers: Record<string, unknown> }> {
    const response = await app.inject({
      method,
      url,
      ...(body === undefined ? {} : { payload: body as object }),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: response.statusCode, body: response.body ? (JSON.parse(response.body) as Json) : {}, headers: response.headers };
  }

  const admin = { id: 'admin-seed', role: 'admin' };
  const secretOf = (uri: string) => base32Decode(new URL(uri).searchParams.get('secret')!);
  const codeAt = (secret: Buffer) => totp(secret, Math.floor(now.getTime() / 1000));

  async function officer(name: string, regions = ['almaty']) {
    const created = await users.create({ username: name, role: 'officer', regions }, admin);
    return { ...created, secret: secretOf(created.totpUri!), password: created.initialPassword! };
  }

  it('lets an ops user in with a password alone, and the token opens only what ops may see', async () => {
    const created = await users.create({ username: 'ops.one', role: 'ops' }, admin);
    expect(created.totpUri).toBeNull();
    const login = await call('POST', '/v1/auth/login', { username: 'OPS.one', password: created.initialPassword });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ status: 'authenticated', tokenType: 'Bearer', expiresIn: 300, principal: { username: 'ops.one', role: 'ops' } });
    const probe = await call('GET', '/v1/probe/cases/almaty', undefined, login.body['accessToken'] as string);
    expect(probe.status).toBe(403);
    expect(probe.headers['content-type']).toContain('application/problem+json');
  });

  it('requires TOTP of an officer, in the same request or as a second step, and a code works once', async () => {
    const o = await officer('officer.almaty');
    // Password only: a challenge, no tokens.
    const first = await call('POST', '/v1/auth/login', { username: 'officer.almaty', password: o.password });
    expect(first.body).toEqual({ status: 'totp-required', challengeToken: expect.any(String), expiresIn: 300 });
    expect(first.body['accessToken']).toBeUndefined();
    const code = codeAt(o.secret);
    const second = await call('POST', '/v1/auth/totp', { challengeToken: first.body['challengeToken'], totp: code });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'authenticated', principal: { role: 'officer', regions: ['almaty'] } });
    const token = second.body['accessToken'] as string;
    expect(await call('GET', '/v1/probe/cases/almaty', undefined, token)).toMatchObject({ status: 200, body: { role: 'officer', amr: ['pwd', 'otp', 'mfa'] } });
    expect((await call('GET', '/v1/probe/cases/astana', undefined, token)).status).toBe(403);

    // The same code again (replay) is refused, in either form.
    expect((await call('POST', '/v1/auth/login', { username: 'officer.almaty', password: o.password, totp: code })).body).toMatchObject({ status: 401, type: expect.stringContaining('invalid-totp') });
    tick(30);
    const inline = await call('POST', '/v1/auth/login', { username: 'officer.almaty', password: o.password, totp: codeAt(o.secret) });
    expect(inline.body['status']).toBe('authenticated');
    // A challenge is not a token, and an expired one is refused.
    expect((await call('GET', '/v1/probe/cases/almaty', undefined, first.body['challengeToken'] as string)).status).toBe(401);
    tick(301);
    expect((await call('POST', '/v1/auth/totp', { challengeToken: first.body['challengeToken'], totp: codeAt(o.secret) })).body).toMatchObject({ status: 401, type: expect.stringContaining('invalid-challenge') });
  });

  it('locks an account for 15 minutes after 5 failures, and an unknown username the same way', async () => {
    const o = await officer('officer.locked');
    tick(60);
    const attempt = (username: string, password: string) => call('POST', '/v1/auth/login', { username, password, totp: codeAt(o.secret) });
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 6; i++) {
      known.push((await attempt('officer.locked', 'wrong password 123')).status);
      unknown.push((await attempt('nobody.here', 'wrong password 123')).status);
    }
    expect(known).toEqual([401, 401, 401, 401, 401, 429]);
    expect(unknown).toEqual(known);
    // Even the right password is refused while locked, with Retry-After.
    const locked = await attempt('officer.locked', o.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
    tick(15 * 60 + 1);
    expect((await attempt('officer.locked', o.password)).body['status']).toBe('authenticated');
  });

  it('answers wrong passwords for real and unknown users alike, in body and in time', async () => {
    await officer('officer.timing');
    const timed = async (username: string) => {
      const started = process.hrtime.bigint();
      const response = await call('POST', '/v1/auth/login', { username, password: 'not the password' });
      return { ms: Number(process.hrtime.bigint() - started) / 1e6, body: response.body };
    };
    const real = [];
    const ghost = [];
    for (let i = 0; i < 4; i++) {
      real.push(await timed('officer.timing'));
      ghost.push(await timed(`ghost.${i}`));
    }
    const { instance: _a, ...realBody } = real[0]!.body;
    const { instance: _b, ...ghostBody } = ghost[0]!.body;
    expect(realBody).toEqual(ghostBody);
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ratio = median(real.map((r) => r.ms)) / median(ghost.map((r) => r.ms));
    // Both pay one argon2id verification; without the dummy check an unknown user answers many times faster.
    expect(ratio).toBeGreaterThan(0.4);
    expect(ratio).toBeLessThan(2.5);
  });

  it('rotates refresh tokens, and a reused one revokes the whole session', async () => {
    const created = await users.create({ username: 'ops.refresh', role: 'ops' }, admin);
    const login = await call('POST', '/v1/auth/login', { username: 'ops.refresh', password: created.initialPassword });
    const r1 = login.body['refreshToken'] as string;
    tick(10);
    const refreshed = await call('POST', '/v1/auth/refresh', { refreshToken: r1 });
    expect(refreshed.status).toBe(200);
    const r2 = refreshed.body['refreshToken'] as string;
    expect(r2).not.toBe(r1);
    expect(refreshed.body['accessToken']).not.toBe(login.body['accessToken']);

    // r1 replayed (stolen): refused, and r2, issued from it, dies with it.
    expect((await call('POST', '/v1/auth/refresh', { refreshToken: r1 })).body).toMatchObject({ status: 401, type: expect.stringContaining('refresh-token-reused') });
    expect((await call('POST', '/v1/auth/refresh', { refreshToken: r2 })).status).toBe(401);
    // Hashes only at rest.
    const stored = await pool.query<{ token_hash: string }>('SELECT token_hash FROM identity.refresh_tokens');
    expect(stored.rows.map((r) => r.token_hash)).not.toContain(r1);
  });

  it('expires access tokens within the TTL, ends sessions at logout, and refuses tampered or foreign tokens', async () => {
    const created = await users.create({ username: 'admin.two', role: 'admin' }, admin);
    const secret = secretOf(created.totpUri!);
    tick(30);
    const login = await call('POST', '/v1/auth/login', { username: 'admin.two', password: created.initialPassword, totp: codeAt(secret) });
    const access = login.body['accessToken'] as string;
    expect((await call('GET', '/v1/probe/cases/anywhere', undefined, access)).status).toBe(200);

    const [header, payload, signature] = access.split('.');
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Json;
    forged['role'] = 'admin';
    forged['regions'] = ['*'];
    const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    expect((await call('GET', '/v1/probe/cases/almaty', undefined, `${access}x`)).status).toBe(401);
    const answer = await call('GET', '/v1/probe/cases/almaty', undefined, tampered);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toContain('Bearer');
    expect((await call('GET', '/v1/probe/cases/almaty')).status).toBe(401);

    tick(301);
    expect((await call('GET', '/v1/probe/cases/almaty', undefined, access)).body).toMatchObject({ status: 401, detail: expect.stringContaining('expired') });
    const refreshed = await call('POST', '/v1/auth/refresh', { refreshToken: login.body['refreshToken'] });
    expect(refreshed.status).toBe(200);
    expect((await call('POST', '/v1/auth/logout', { refreshToken: refreshed.body['refreshToken'] })).status).toBe(204);
    expect((await call('POST', '/v1/auth/refresh', { refreshToken: refreshed.body['refreshToken'] })).status).toBe(401);
  });

  it('answers malformed requests with problem+json naming the field', async () => {
    const response = await call('POST', '/v1/auth/login', { username: 'x', password: 'y', totp: '12', extra: 1 });
    expect(response.status).toBe(400);
    expect(response.body['invalid-params']).toEqual(expect.arrayContaining([expect.objectContaining({ name: '/totp' }), expect.objectContaining({ name: '/extra' })]));
  });

  it('lets only admins manage accounts over HTTP, audits it, and a disabled account is out at once', async () => {
    const boss = await users.create({ username: 'admin.http', role: 'admin' }, admin);
    tick(30);
    const adminToken = (await call('POST', '/v1/auth/login', { username: 'admin.http', password: boss.initialPassword, totp: codeAt(secretOf(boss.totpUri!)) })).body['accessToken'] as string;
    const ops = await users.create({ username: 'ops.notadmin', role: 'ops' }, admin);
    const opsToken = (await call('POST', '/v1/auth/login', { username: 'ops.notadmin', password: ops.initialPassword })).body['accessToken'] as string;

    expect((await call('GET', '/v1/admin/users', undefined, opsToken)).status).toBe(403);
    expect((await call('GET', '/v1/admin/users')).status).toBe(401);
    const invalid = await call('POST', '/v1/admin/users', { username: 'lawyer.one', role: 'legal-aid' }, adminToken);
    expect(invalid.status).toBe(400);
    expect(invalid.body['invalid-params']).toEqual([{ name: '/organisation', reason: 'legal-aid accounts belong to an organisation' }]);

    const created = await call('POST', '/v1/admin/users', { username: 'lawyer.one', role: 'legal-aid', organisation: 'legal-one' }, adminToken);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ user: { role: 'legal-aid', organisation: 'legal-one' }, initialPassword: expect.any(String), totpUri: expect.stringMatching(/^otpauth:\/\/totp\//) });
    expect((await call('POST', '/v1/admin/users', { username: 'lawyer.one', role: 'ops' }, adminToken)).status).toBe(409);

    const list = await call('GET', '/v1/admin/users', undefined, adminToken);
    expect(JSON.stringify(list.body)).not.toMatch(/password_hash|argon2|totp_secret|otpauth/);
    const lawyerId = (created.body['user'] as Json)['userId'] as string;
    tick(30);
    const lawyerLogin = await call('POST', '/v1/auth/login', { username: 'lawyer.one', password: created.body['initialPassword'], totp: codeAt(secretOf(created.body['totpUri'] as string)) });
    expect(lawyerLogin.body['status']).toBe('authenticated');

    expect((await call('POST', `/v1/admin/users/${lawyerId}/disable`, {}, adminToken)).status).toBe(204);
    expect((await call('POST', '/v1/auth/refresh', { refreshToken: lawyerLogin.body['refreshToken'] })).status).toBe(401);
    tick(30);
    expect((await call('POST', '/v1/auth/login', { username: 'lawyer.one', password: created.body['initialPassword'], totp: codeAt(secretOf(created.body['totpUri'] as string)) })).status).toBe(401);

    const reset = await call('POST', `/v1/admin/users/${lawyerId}/totp-reset`, {}, adminToken);
    expect(reset.body['totpUri']).not.toBe(created.body['totpUri']);
    expect((await call('POST', `/v1/admin/users/not-a-uuid/disable`, {}, adminToken)).status).toBe(400);

    const entries = await audit.list({ subjectType: 'user', subjectId: lawyerId });
    expect(entries.map((e) => e.purpose)).toEqual(['user-totp-reset', 'user-disabled', 'user-created']);
    expect(entries[2]!.actor.id).toBe((await users.findByUsername('admin.http'))!.id);
  });

  it('lets a user change their own password', async () => {
    const created = await users.create({ username: 'ops.pw', role: 'ops' }, admin);
    const token = (await call('POST', '/v1/auth/login', { username: 'ops.pw', password: created.initialPassword })).body['accessToken'] as string;
    expect((await call('POST', '/v1/auth/password', { currentPassword: created.initialPassword, newPassword: 'short' }, token)).status).toBe(400);
    expect((await call('POST', '/v1/auth/password', { currentPassword: 'wrong', newPassword: 'a much longer passphrase' }, token)).status).toBe(401);
    expect((await call('POST', '/v1/auth/password', { currentPassword: created.initialPassword, newPassword: 'a much longer passphrase' }, token)).status).toBe(204);
    expect((await call('POST', '/v1/auth/login', { username: 'ops.pw', password: 'a much longer passphrase' })).body['status']).toBe('authenticated');
  });

  it('manages accounts from the CLI commands: create prints the password and TOTP URI once, disable and reset work', async () => {
    const command = app.get(UsersCommand);
    expect(command).toBeDefined();
    const run = async (name: string, params: string[], options: Record<string, unknown> = {}) => {
      cliLines.length = 0;
      cliErrors.length = 0;
      const { CreateUserCommand, DisableUserCommand, ResetTotpCommand, ListUsersCommand } = await import('../index');
      const classes = { create: CreateUserCommand, disable: DisableUserCommand, 'reset-totp': ResetTotpCommand, list: ListUsersCommand } as const;
      await app.get(classes[name as keyof typeof classes]).run(params, options);
      return { out: cliLines.join(''), err: cliErrors.join('') };
    };
    const created = await run('create', ['Officer.Cli'], { role: 'officer', regions: ['bishkek'] });
    expect(created.err).toBe('');
    const password = /password:\s+(\S+)/.exec(created.out)?.[1];
    const uri = /totp uri:\s+(\S+)/.exec(created.out)?.[1];
    expect(password).toBeDefined();
    tick(30);
    expect((await call('POST', '/v1/auth/login', { username: 'officer.cli', password, totp: codeAt(secretOf(uri!)) })).body['status']).toBe('authenticated');

    expect((await run('create', ['officer.cli'], { role: 'officer', regions: ['bishkek'] })).err).toContain('taken');
    expect((await run('create', ['someone'], { role: 'officer' })).err).toContain('regions');
    expect((await run('list', [])).out).toMatch(/officer\.cli\s+officer\s+bishkek\s+-\s+totp\s+active/);
    expect((await run('reset-totp', ['officer.cli'])).out).toMatch(/totp uri: otpauth:/);
    expect((await run('disable', ['officer.cli'])).out).toContain('disabled officer.cli');
    expect((await run('disable', ['no.such.user'])).err).toContain('no user');
    const entries = await audit.list({ action: 'admin' });
    expect(entries.some((e) => e.actor.id.startsWith('cli:') && e.purpose === 'user-disabled')).toBe(true);
  });

  it('stores no password or TOTP secret in a readable form', async () => {
    const o = await officer('officer.dump');
    const { rows } = await pool.query<{ dump: string }>(`SELECT string_agg(row_to_json(u)::text, E'\\n') AS dump FROM identity.users u`);
    expect(rows[0]!.dump).not.toContain(o.password);
    expect(rows[0]!.dump).not.toContain(new URL(o.totpUri!).searchParams.get('secret'));
    expect(rows[0]!.dump).toContain('$argon2id$');
  });
});
