import { requiresSecondFactor, ROLES } from '@beacon/access-policy';
import {
  base32Encode,
  encryptField,
  generateTotpSecret,
  hashPassword,
  MIN_PASSWORD_LENGTH,
  randomToken,
  totpProvisioningUri,
  verifyPassword,
} from '@beacon/security';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { publicPrincipal, type PublicPrincipal } from '../auth/auth.service';
import { TokensService } from '../auth/tokens.service';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from '../identity.options';
import { IdentityException } from '../identity.exception';
import { type UserRecord, UsersRepository } from './users.repository';

const region = z.string().regex(/^(\*|[a-z][a-z0-9]*(-[a-z0-9]+)*)$/, 'Expected a region slug such as "almaty", or *');

export const createUserSchema = z
  .strictObject({
    username: z
      .string()
      .transform((v) => v.trim().toLowerCase())
      .pipe(z.string().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, 'Expected 2-64 lowercase letters, digits, ".", "_" or "-"')),
    role: z.enum(ROLES),
    regions: z.array(region).max(100).default([]),
    organisation: z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'Expected an organisation slug').optional(),
    /** Enrol TOTP for a role that does not require it. */
    totp: z.boolean().default(false),
    /** No password: the account logs in only through the identity provider. */
    oidcOnly: z.boolean().default(false),
  })
  .superRefine((v, ctx) => {
    if (v.role === 'legal-aid' && !v.organisation) ctx.addIssue({ code: 'custom', path: ['organisation'], message: 'legal-aid accounts belong to an organisation' });
    if (v.role !== 'legal-aid' && v.organisation) ctx.addIssue({ code: 'custom', path: ['organisation'], message: 'only legal-aid accounts have an organisation' });
    if ((v.role === 'hotline' || v.role === 'officer') && v.regions.length === 0) ctx.addIssue({ code: 'custom', path: ['regions'], message: `a ${v.role} account needs at least one region` });
  });
export type CreateUserInput = z.input<typeof createUserSchema>;

export interface Actor {
  id: string;
  role: string;
}

export interface UserSummary extends PublicPrincipal {
  disabled: boolean;
  locked: boolean;
  totpEnrolled: boolean;
  passwordLogin: boolean;
  createdAt: string;
}

export interface CreatedUser {
  user: PublicPrincipal;
  /** Shown once; Beacon keeps only the argon2id hash. */
  initialPassword: string | null;
  /** Shown once, for the authenticator app (as a QR code or typed in). */
  totpUri: string | null;
}

/** Account administration; every change is audited when an audit log is configured. */
@Injectable()
export class UsersService {
  constructor(
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
    private readonly users: UsersRepository,
    private readonly tokens: TokensService,
  ) {}

  async create(input: CreateUserInput, actor: Actor): Promise<CreatedUser> {
    const parsed = createUserSchema.parse(input);
    const initialPassword = parsed.oidcOnly ? null : randomToken(18);
    const enrolTotp = requiresSecondFactor(parsed.role) || parsed.totp;
    const secret = enrolTotp ? generateTotpSecret() : null;
    const id = randomUUID();
    const inserted = await this.users.insert({
      id,
      username: parsed.username,
      role: parsed.role,
      regions: parsed.regions,
      organisation: parsed.organisation ?? null,
      passwordHash: initialPassword ? await hashPassword(initialPassword) : null,
      totpSecret: secret ? encryptField(this.options.totpKeys, base32Encode(secret)) : null,
    });
    if (!inserted) throw new IdentityException('user-exists', `the username ${parsed.username} is taken`);
    await this.audit(actor, id, 'user-created', { role: parsed.role });
    const user = await this.mustFind(id);
    return { user: publicPrincipal(user), initialPassword, totpUri: secret ? this.uri(user, secret) : null };
  }

  /** A new TOTP secret (lost phone); the old one stops working at once. */
  async resetTotp(userId: string, actor: Actor): Promise<{ totpUri: string }> {
    const user = await this.mustFind(userId);
    const secret = generateTotpSecret();
    await this.users.setTotp(user.id, encryptField(this.options.totpKeys, base32Encode(secret)));
    await this.tokens.revokeAllOf(user.id);
    await this.audit(actor, user.id, 'user-totp-reset', {});
    return { totpUri: this.uri(user, secret) };
  }

  /** Disables the account and ends its sessions; access tokens already issued expire within their TTL. */
  async disable(userId: string, actor: Actor): Promise<void> {
    const user = await this.mustFind(userId);
    await this.users.setDisabled(user.id, this.options.now());
    await this.tokens.revokeAllOf(user.id);
    await this.audit(actor, user.id, 'user-disabled', {});
  }

  /** Re-enables the account and clears a lockout. */
  async enable(userId: string, actor: Actor): Promise<void> {
    const user = await this.mustFind(userId);
    await this.users.setDisabled(user.id, null);
    await this.audit(actor, user.id, 'user-enabled', {});
  }

  async changePassword(userId: string, currentPassword: string, newPassword: string): Promise<void> {
    const user = await this.mustFind(userId);
    if (!user.passwordHash || !(await verifyPassword(user.passwordHash, currentPassword))) {
      throw new IdentityException('invalid-credentials', 'invalid credentials');
    }
    if (newPassword.length < MIN_PASSWORD_LENGTH) throw new IdentityException('weak-password', `Use at least ${MIN_PASSWORD_LENGTH} characters.`);
    if (newPassword.toLowerCase().includes(user.username)) throw new IdentityException('weak-password', 'The password must not contain the username.');
    await this.users.setPassword(user.id, await hashPassword(newPassword));
    await this.audit({ id: user.id, role: user.role }, user.id, 'password-changed', {});
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    return this.users.findByUsername(username.trim().toLowerCase());
  }

  async list(): Promise<UserSummary[]> {
    const now = this.options.now();
    return (await this.users.list()).map((u) => ({
      ...publicPrincipal(u),
      disabled: u.disabledAt !== null,
      locked: u.lockedUntil !== null && u.lockedUntil > now,
      totpEnrolled: u.totpSecret !== null,
      passwordLogin: u.passwordHash !== null,
      createdAt: u.createdAt.toISOString(),
    }));
  }

  /** By id or username, for the CLI. */
  async resolve(idOrUsername: string): Promise<UserRecord> {
    const user = (await this.users.findById(idOrUsername)) ?? (await this.users.findByUsername(idOrUsername.trim().toLowerCase()));
    if (!user) throw new IdentityException('user-not-found', `no user ${idOrUsername}`);
    return user;
  }

  private async mustFind(userId: string): Promise<UserRecord> {
    const user = await this.users.findById(userId);
    if (!user) throw new IdentityException('user-not-found', 'no such user');
    return user;
  }

  private uri(user: UserRecord, secret: Buffer): string {
    return totpProvisioningUri({ issuer: this.options.totpIssuer, account: user.username, secret });
  }

  private async audit(actor: Actor, userId: string, purpose: string, detail: Record<string, string>): Promise<void> {
    await this.options.audit?.record({ actor, action: 'admin', subject: { type: 'user', id: userId }, purpose, detail });
  }
}

