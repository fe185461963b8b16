import { type Role, ROLES } from '@beacon/access-policy';
import { hashToken, randomToken } from '@beacon/security';
import { Inject, Injectable } from '@nestjs/common';
import { errors, jwtVerify, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from '../identity.options';
import { IdentityException } from '../identity.exception';
import { type UserRecord } from '../users/users.repository';
import { type UserPrincipal } from './principal';
import { RefreshTokensRepository } from './refresh-tokens.repository';

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}

const CHALLENGE_SECONDS = 300;

/** Short-lived signed access tokens and rotating opaque refresh tokens. */
@Injectable()
export class TokensService {
  constructor(
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
    private readonly refreshTokens: RefreshTokensRepository,
  ) {}

  /** A new login session: a fresh refresh-token family. */
  async startSession(user: UserRecord, amr: readonly string[]): Promise<TokenPair> {
    const now = this.options.now();
    const familyExpiresAt = new Date(now.getTime() + this.options.sessionMaxAgeSeconds * 1000);
    return this.issue(user, amr, randomUUID(), familyExpiresAt, now);
  }

  /**
   * Rotates a refresh token: the presented one is spent, a new one issued in the same family.
   * A token presented a second time means it was stolen or replayed: the family is revoked.
   */
  async refresh(refreshToken: string, loadUser: (id: string) => Promise<UserRecord | null>): Promise<{ pair: TokenPair; user: UserRecord }> {
    const now = this.options.now();
    const hash = hashToken(refreshToken);
    const row = await this.refreshTokens.find(hash);
    if (!row || row.revokedAt) throw new IdentityException('invalid-refresh-token', 'unknown or revoked refresh token');
    if (row.usedAt || !(await this.refreshTokens.markUsed(hash, now))) {
      await this.refreshTokens.revokeFamily(row.familyId, now);
      throw new IdentityException('refresh-token-reused', 'refresh token reused');
    }
    if (row.expiresAt <= now || row.familyExpiresAt <= now) throw new IdentityException('invalid-refresh-token', 'refresh token expired');
    const user = await loadUser(row.userId);
    if (!user || user.disabledAt) {
      await this.refreshTokens.revokeFamily(row.familyId, now);
      throw new IdentityException('invalid-refresh-token', 'account no longer active');
    }
    return { pair: await this.issue(user, row.amr, row.familyId, row.familyExpiresAt, now), user };
  }

  /** Ends the session the refresh token belongs to; unknown tokens are ignored. */
  async logout(refreshToken: string): Promise<void> {
    const row = await this.refreshTokens.find(hashToken(refreshToken));
    if (row) await this.refreshTokens.revokeFamily(row.familyId, this.options.now());
  }

  async revokeAllOf(userId: string): Promise<void> {
    await this.refreshTokens.revokeUser(userId, this.options.now());
  }

  async verifyAccessToken(token: string): Promise<UserPrincipal> {
    try {
      const { payload } = await jwtVerify(token, (header) => this.keyFor(header.kid), {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ['HS256'],
        currentDate: this.options.now(),
        typ: 'at+jwt',
      });
      const role = payload['role'];
      const regions = payload['regions'];
      const amr = payload['amr'];
      const sid = payload['sid'];
      if (
        typeof payload.sub !== 'string' ||
        typeof role !== 'string' ||
        !(ROLES as readonly string[]).includes(role) ||
        !Array.isArray(regions) ||
        !Array.isArray(amr) ||
        typeof sid !== 'string'
      ) {
        throw new IdentityException('unauthenticated', 'malformed access token');
      }
      const org = payload['org'];
      return {
        userId: payload.sub,
        role: role as Role,
        regions: regions.map(String),
        organisation: typeof org === 'string' ? org : null,
        amr: amr.map(String),
        sessionId: sid,
      };
    } catch (error) {
      if (error instanceof IdentityException) throw error;
      const expired = error instanceof errors.JWTExpired;
      throw new IdentityException('unauthenticated', expired ? 'The access token has expired; refresh it.' : 'The access token is invalid.');
    }
  }

  /** A short-lived proof that the password was right, exchanged with a TOTP code for tokens. */
  async challengeFor(user: UserRecord): Promise<{ challengeToken: string; expiresIn: number }> {
    const now = Math.floor(this.options.now().getTime() / 1000);
    const challengeToken = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: this.options.accessTokenKeys.currentKid, typ: 'totp-challenge+jwt' })
      .setIssuer(this.options.issuer)
      .setAudience(`${this.options.audience}:totp`)
      .setSubject(user.id)
      .setIssuedAt(now)
      .setExpirationTime(now + CHALLENGE_SECONDS)
      .setJti(randomUUID())
      .sign(this.currentKey());
    return { challengeToken, expiresIn: CHALLENGE_SECONDS };
  }

  async verifyChallenge(token: string): Promise<string> {
    try {
      const { payload } = await jwtVerify(token, (header) => this.keyFor(header.kid), {
        issuer: this.options.issuer,
        audience: `${this.options.audience}:totp`,
        algorithms: ['HS256'],
        currentDate: this.options.now(),
        typ: 'totp-challenge+jwt',
      });
      if (typeof payload.sub !== 'string') throw new Error('no subject');
      return payload.sub;
    } catch {
      throw new IdentityException('invalid-challenge', 'invalid or expired challenge');
    }
  }

  private async issue(user: UserRecord, amr: readonly string[], familyId: string, familyExpiresAt: Date, now: Date): Promise<TokenPair> {
    const iat = Math.floor(now.getTime() / 1000);
    const ttl = this.options.accessTokenTtlSeconds;
    const accessToken = await new SignJWT({
      role: user.role,
      regions: user.regions,
      ...(user.organisation ? { org: user.organisation } : {}),
      amr: [...amr],
      sid: familyId,
    })
      .setProtectedHeader({ alg: 'HS256', kid: this.options.accessTokenKeys.currentKid, typ: 'at+jwt' })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(user.id)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttl)
      .setJti(randomUUID())
      .sign(this.currentKey());
    const refreshToken = randomToken();
    const expiresAt = new Date(Math.min(now.getTime() + this.options.refreshTokenTtlSeconds * 1000, familyExpiresAt.getTime()));
    await this.refreshTokens.insert(hashToken(refreshToken), { familyId, userId: user.id, amr: [...amr], expiresAt, familyExpiresAt }, now);
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: ttl,
      refreshToken,
      refreshExpiresIn: Math.floor((expiresAt.getTime() - now.getTime()) / 1000),
    };
  }

  private currentKey(): Uint8Array {
    return this.keyFor(this.options.accessTokenKeys.currentKid);
  }

  private keyFor(kid: string | undefined): Uint8Array {
    const key = kid ? this.options.accessTokenKeys.keys.get(kid) : undefined;
    if (!key) throw new IdentityException('unauthenticated', 'unknown signing key');
    return key;
  }
}
