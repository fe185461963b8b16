import { Inject, Injectable } from '@nestjs/common';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { userInfo } from 'node:os';
import { ZodError } from 'zod';
import { IdentityException } from '../identity.exception';
import { type Actor, type CreateUserInput, UsersService } from './users.service';

/** Where the commands write; a service CLI may swap it (tests capture it). */
export const CLI_OUTPUT = Symbol('IDENTITY_CLI_OUTPUT');
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

@Injectable()
export class ProcessCliOutput implements CliOutput {
  out(text: string): void {
    process.stdout.write(text);
  }

  err(text: string): void {
    process.stderr.write(text);
    process.exitCode = 1;
  }
}

/** The operating-system account that ran the CLI, as an opaque audit actor. */
function cliActor(): Actor {
  const name = userInfo().username.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 48) || 'unknown';
  return { id: `cli:${name}`, role: 'admin' };
}

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

@Injectable()
abstract class UsersSubCommand extends CommandRunner {
  constructor(
    protected readonly users: UsersService,
    @Inject(CLI_OUTPUT) protected readonly output: CliOutput,
  ) {
    super();
  }

  protected async guarded(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (error instanceof IdentityException) return this.output.err(`refused: ${error.message}\n`);
      if (error instanceof ZodError) {
        return this.output.err(`invalid: ${error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}\n`);
      }
      throw error;
    }
  }
}

interface CreateOptions {
  role?: string;
  regions?: string[];
  organisation?: string;
  totp?: boolean;
  oidcOnly?: boolean;
}

@SubCommand({ name: 'create', arguments: '<username>', description: 'create an account; prints its initial password and TOTP URI once' })
export class CreateUserCommand extends UsersSubCommand {
  async run([username]: string[], options: CreateOptions): Promise<void> {
    await this.guarded(async () => {
      const input = { username, role: options.role, regions: options.regions ?? [], organisation: options.organisation, totp: options.totp ?? false, oidcOnly: options.oidcOnly ?? false };
      const created = await this.users.create(input as CreateUserInput, cliActor());
      const lines = [
        `user id:      ${created.user.userId}`,
        `username:     ${created.user.username}`,
        `role:         ${created.user.role}`,
        `regions:      ${created.user.regions.join(',') || '-'}`,
        ...(created.user.organisation ? [`organisation: ${created.user.organisation}`] : []),
        ...(created.initialPassword ? [`password:     ${created.initialPassword}`] : []),
        ...(created.totpUri ? [`totp uri:     ${created.totpUri}`] : []),
        '',
        'The password and TOTP secret are shown only now; hand them over in person or over a channel you trust.',
      ];
      this.output.out(`${lines.join('\n')}\n`);
    });
  }

  @Option({ flags: '--role <role>', description: 'hotline | officer | legal-aid | ops | admin', required: true })
  parseRole(value: string): string {
    return value;
  }

  @Option({ flags: '--regions <list>', description: 'comma-separated region slugs, or *' })
  parseRegions(value: string): string[] {
    return list(value);
  }

  @Option({ flags: '--organisation <slug>', description: 'legal-aid accounts: the organisation cases are referred to' })
  parseOrganisation(value: string): string {
    return value;
  }

  @Option({ flags: '--totp', description: 'enrol a second factor even where the role does not require one' })
  parseTotp(): boolean {
    return true;
  }

  @Option({ flags: '--oidc-only', description: 'no password: log in through the identity provider only' })
  parseOidcOnly(): boolean {
    return true;
  }
}

@SubCommand({ name: 'reset-totp', arguments: '<user>', description: 'replace a TOTP secret (lost phone); prints the new URI once' })
export class ResetTotpCommand extends UsersSubCommand {
  async run([user]: string[]): Promise<void> {
    await this.guarded(async () => {
      const target = await this.users.resolve(user ?? '');
      const { totpUri } = await this.users.resetTotp(target.id, cliActor());
      this.output.out(`totp uri: ${totpUri}\n\nShown only now. The user's sessions have been ended.\n`);
    });
  }
}

@SubCommand({ name: 'disable', arguments: '<user>', description: 'disable an account and end its sessions' })
export class DisableUserCommand extends UsersSubCommand {
  async run([user]: string[]): Promise<void> {
    await this.guarded(async () => {
      const target = await this.users.resolve(user ?? '');
      await this.users.disable(target.id, cliActor());
      this.output.out(`disabled ${target.username}\n`);
    });
  }
}

@SubCommand({ name: 'enable', arguments: '<user>', description: 'enable an account again and clear a lockout' })
export class EnableUserCommand extends UsersSubCommand {
  async run([user]: string[]): Promise<void> {
    await this.guarded(async () => {
      const target = await this.users.resolve(user ?? '');
      await this.users.enable(target.id, cliActor());
      this.output.out(`enabled ${target.username}\n`);
    });
  }
}

@SubCommand({ name: 'list', description: 'list accounts (no secrets)' })
export class ListUsersCommand extends UsersSubCommand {
  async run(): Promise<void> {
    const rows = (await this.users.list()).map((u) =>
      [u.username, u.role, u.regions.join(',') || '-', u.organisation ?? '-', u.totpEnrolled ? 'totp' : '-', u.disabled ? 'disabled' : u.locked ? 'locked' : 'active'].join('\t'),
    );
    this.output.out(`${['username\trole\tregions\torganisation\t2fa\tstate', ...rows].join('\n')}\n`);
  }
}

@Command({
  name: 'users',
  description: 'staff accounts: create, reset-totp, disable, enable, list',
  subCommands: [CreateUserCommand, ResetTotpCommand, DisableUserCommand, EnableUserCommand, ListUsersCommand],
})
export class UsersCommand extends CommandRunner {
  constructor(@Inject(CLI_OUTPUT) private readonly output: CliOutput) {
    super();
  }

  async run(): Promise<void> {
    this.output.err('usage: users <create|reset-totp|disable|enable|list> …\n');
    return Promise.resolve();
  }
}

export const USERS_COMMANDS = [UsersCommand, CreateUserCommand, ResetTotpCommand, DisableUserCommand, EnableUserCommand, ListUsersCommand];
