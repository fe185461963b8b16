import { CODES } from '@beacon/events';
import { PersonKeyVault, VaultException } from '@beacon/vault';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { userInfo } from 'node:os';
import { z } from 'zod';
import { ErasureException, PersonErasureService } from './person-erasure.service';

const personRef = z
  .string()
  .regex(/^p_[A-Za-z0-9_-]{16,62}$/, 'must be a person reference such as p_Xq7Lm2Vt9KcR4wZs');
const reasonCode = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,47}$/, 'must be a short code such as person-request or retention');
const requester = z.enum(CODES.erasureRequester);
const actorId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'must be an opaque id such as your user id');
const masterKid = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be a master key id');

function fail(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T | null {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  fail(`invalid ${what}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return null;
}

/** The operating-system account running the CLI, as an opaque audit actor. */
function osActor(): string {
  const name =
    userInfo()
      .username.replace(/[^A-Za-z0-9_.-]/g, '_')
      .slice(0, 48) || 'unknown';
  return `cli:${name}`;
}

interface EraseOptions {
  reason?: string;
  requestedBy?: string;
  actor?: string;
}

@SubCommand({
  name: 'erase',
  arguments: '<personRef>',
  description:
    "destroy a person's data key (crypto-shredding) and tell every case of theirs; safe to run again",
})
export class ErasePersonCommand extends CommandRunner {
  constructor(private readonly erasure: PersonErasureService) {
    super();
  }

  async run([ref]: string[], options: EraseOptions): Promise<void> {
    const target = check(personRef, ref, 'person reference');
    const reason = check(reasonCode, options.reason, '--reason');
    const requestedBy = check(
      requester,
      options.requestedBy ?? 'data-protection-officer',
      '--requested-by',
    );
    const actor = check(actorId, options.actor ?? osActor(), '--actor');
    if (target === null || reason === null || requestedBy === null || actor === null) return;
    try {
      const outcome = await this.erasure.erase({
        personRef: target,
        reason,
        requestedBy,
        actor,
      });
      process.stdout.write(
        [
          `person:   ${outcome.personRef}`,
          `key:      ${outcome.destroyedNow ? 'destroyed now' : 'already destroyed'} (erased at ${outcome.erasedAt.toISOString()})`,
          `cases:    ${outcome.cases.length > 0 ? outcome.cases.join(', ') : '-'}`,
          `events:   ${outcome.eventsAppended} record-erased appended to the outbox`,
          '',
          'Everything sealed under the key, on Kafka, in every projection and in backups, is now unreadable.',
          '',
        ].join('\n'),
      );
    } catch (error) {
      if (error instanceof ErasureException || error instanceof VaultException) {
        return fail(`refused: ${error.message}`);
      }
      throw error;
    }
  }

  @Option({
    flags: '--reason <code>',
    description: 'why, as a code: person-request, retention, …',
    required: true,
  })
  parseReason(value: string): string {
    return value;
  }

  @Option({
    flags: '--requested-by <who>',
    description: `${CODES.erasureRequester.join(' | ')} (default data-protection-officer)`,
  })
  parseRequestedBy(value: string): string {
    return value;
  }

  @Option({
    flags: '--actor <id>',
    description: 'your user id, for the audit log (default cli:<os user>)',
  })
  parseActor(value: string): string {
    return value;
  }
}

@SubCommand({
  name: 'rotate-master',
  arguments: '<kid>',
  description: 'rewrap every person key under this master key (it must be in VAULT_MASTER_KEYS)',
})
export class RotateMasterKeyCommand extends CommandRunner {
  constructor(private readonly vault: PersonKeyVault) {
    super();
  }

  async run([kid]: string[]): Promise<void> {
    const target = check(masterKid, kid, 'master key id');
    if (target === null) return;
    try {
      const rewrapped = await this.vault.rotateMaster(target);
      const usage = await this.vault.masterKeyUsage();
      process.stdout.write(
        `rewrapped ${rewrapped} person keys under ${target}\n` +
          `keys per master key: ${formatUsage(usage)}\n` +
          (Object.keys(usage).every((k) => k === target)
            ? 'No key needs the other master keys: remove them from VAULT_MASTER_KEYS and destroy them.\n'
            : ''),
      );
    } catch (error) {
      if (error instanceof VaultException) return fail(`refused: ${error.message}`);
      throw error;
    }
  }
}

@SubCommand({
  name: 'key-usage',
  description: 'how many person keys each master key wraps',
})
export class MasterKeyUsageCommand extends CommandRunner {
  constructor(private readonly vault: PersonKeyVault) {
    super();
  }

  async run(): Promise<void> {
    process.stdout.write(
      `keys per master key: ${formatUsage(await this.vault.masterKeyUsage())}\n`,
    );
  }
}

function formatUsage(usage: Record<string, number>): string {
  const entries = Object.entries(usage);
  return entries.length === 0 ? '-' : entries.map(([kid, n]) => `${kid}=${n}`).join(', ');
}

@Command({
  name: 'persons',
  description: 'personal data: erasure, master-key rotation',
  subCommands: [ErasePersonCommand, RotateMasterKeyCommand, MasterKeyUsageCommand],
})
export class PersonsCommand extends CommandRunner {
  run(): Promise<void> {
    this.command.help();
  }
}
