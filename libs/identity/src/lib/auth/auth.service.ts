import { requiresSecondFactor } from '@beacon/access-policy';
import { decryptField, base32Decode, verifyAgainstDummy, verifyPassword, verifyTotp } from '@beacon/security';
import { Inject, Injectable } from '@nestjs/common';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from '../identity.options';
import { IdentityException } from '../identity.exception';
import { type UserRecord, UsersRepository } from '../users/users.repository';
import { TokensService, type TokenPair } from './tokens.service';

export interface PublicPrincipal {
  userId: string;
  username: string;
  role: UserRecord['role'];
  regions: string[];
  organisation: string | null;
}

export type LoginResult =
  | ({ status: 'authenticated'; principal: PublicPrincipal } & TokenPair)
  | { status: 'totp-required'; challengeToken: string; expiresIn: number };

export function publicPrincipal(user: UserRecord): PublicPrincipal {
  return { userId: user.id, username: user.username, role: user.role, regions: user.regions, organisation: user.organisation };
}

/** Password + TOTP login, lockout, refresh and logout. */
@Injectable()
export class AuthService {
  constructor(
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
    private readonly users: UsersRepository,
    private readonly tokens: TokensService,
  ) {}

  /**
   * Unknown users, disabled users and wrong passwords get the same answer after the same
   * work (one argon2id verification), and lock out after the same number of tries.
   */
  async login(usernameInput: string, password: string, totpCode?: string): Promise<LoginResult> {
    const username = usernameInput.trim().toLowerCase();
    const now = this.options.now();
    const user = await this.users.findByUsername(username);
    if (!user) {
      const throttle = await this.users.throttleOf(username);
      this.assertNotLocked(throttle.lockedUntil, now);
      await verifyAgainstDummy(password);
      await this.failUnknown(username, now);
      throw new IdentityException('invalid-credentials', 'invalid credentials');
    }
    this.assertNotLocked(user.lockedUntil, now);
    const passwordOk = user.passwordHash ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDummy(password);
    if (!passwordOk || user.disabledAt) {
      await this.fail(user, now);
      throw new IdentityException('invalid-credentials', 'invalid credentials');
    }
    if (!this.needsTotp(user)) return this.succeed(user, ['pwd']);
    if (!user.totpSecret) throw new IdentityException('totp-not-enrolled', 'no second factor enrolled');
    if (totpCode === undefined) return { status: 'totp-required', ...(await this.tokens.challengeFor(user)) };
    await this.checkTotp(user, totpCode, now);
    return this.succeed(user, ['pwd', 'otp', 'mfa']);
  }

  /** Second step: the challenge from a password login plus a TOTP code. */
  async completeTotp(challengeToken: string, totpCode: string): Promise<LoginResult> {
    const userId = await this.tokens.verifyChallenge(challengeToken);
    const now = this.options.now();
    const user = await this.users.findById(userId);
    if (!user || user.disabledAt) throw new IdentityException('invalid-challenge', 'account no longer active');
    this.assertNotLocked(user.lockedUntil, now);
    if (!user.totpSecret) throw new IdentityException('totp-not-enrolled', 'no second factor enrolled');
    await this.checkTotp(user, totpCode, now);
    return this.succeed(user, ['pwd', 'otp', 'mfa']);
  }

  async refresh(refreshToken: string): Promise<LoginResult> {
    const { pair, user } = await this.tokens.refresh(refreshToken, (id) => this.users.findById(id));
    return { status: 'authenticated', principal: publicPrincipal(user), ...pair };
  }

  async logout(refreshToken: string): Promise<void> {
    await this.tokens.logout(refreshToken);
  }

  /** After OIDC: the provider vouched for the person, Beacon still decides on role and state. */
  async loginFederated(user: UserRecord, amr: readonly string[]): Promise<LoginResult> {
    const now = this.options.now();
    if (user.disabledAt) throw new IdentityException('oidc-failed', 'The account is not active in Beacon.');
    this.assertNotLocked(user.lockedUntil, now);
    return this.succeed(user, ['oidc', ...amr.filter((v) => v !== 'oidc')]);
  }

  needsTotp(user: UserRecord): boolean {
    return requiresSecondFactor(user.role) || user.totpSecret !== null;
  }

  private async checkTotp(user: UserRecord, code: string, now: Date): Promise<void> {
    const secret = user.totpSecret ? decryptField(this.options.totpKeys, user.totpSecret) : null;
    if (secret === null) throw new IdentityException('totp-not-enrolled', 'the TOTP secret cannot be read; re-enrol');
    const step = verifyTotp(base32Decode(secret), code, Math.floor(now.getTime() / 1000), { afterStep: user.totpLastStep });
    if (step === null || !(await this.users.consumeTotpStep(user.id, step))) {
      await this.fail(user, now);
      throw new IdentityException('invalid-totp', 'invalid one-time code');
    }
  }

  private async succeed(user: UserRecord, amr: readonly string[]): Promise<LoginResult> {
    await this.users.recordSuccess(user.id);
    const pair = await this.tokens.startSession(user, amr);
    return { status: 'authenticated', principal: publicPrincipal(user), ...pair };
  }

  private async fail(user: UserRecord, now: Date): Promise<void> {
    const { maxFailures, lockSeconds } = this.options.lockout;
    await this.users.recordFailure(user.id, now, maxFailures, lockSeconds);
  }

  private async failUnknown(username: string, now: Date): Promise<void> {
    const { maxFailures, lockSeconds } = this.options.lockout;
    await this.users.recordUnknownFailure(username, now, maxFailures, lockSeconds);
  }

  private assertNotLocked(lockedUntil: Date | null, now: Date): void {
    if (lockedUntil && lockedUntil > now) {
      const seconds = Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000);
      throw new IdentityException('login-locked', `Too many failed attempts; try again in ${Math.ceil(seconds / 60)} minutes.`, seconds);
    }
  }
}
