import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { z } from 'zod';
import { HotlineKeysRepository, TooManyActiveKeysError } from '../auth/hotline-keys.repository';
import { FACT_TYPES } from '../reports/report.dto';

const hotlineId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be a lower-case id such as "almaty-hotline"');
const region = z.string().regex(/^(\*|[a-z][a-z0-9]*(-[a-z0-9]+)*)$/, 'must be a region slug or *');
const eventType = z
  .string()
  .refine((v) => v === '*' || (FACT_TYPES as readonly string[]).includes(v), {
    message: `must be * or one of: ${FACT_TYPES.join(', ')}`,
  });

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

/** Reports a failure the way a shell expects: a message on stderr and a non-zero status. */
function fail(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
}

function check<T>(schema: z.ZodType<T>, values: unknown, what: string): T | null {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  fail(`invalid ${what}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return null;
}

interface IssueOptions {
  hotline: string;
  regions: string[];
  eventTypes: string[];
  label?: string;
}

@SubCommand({
  name: 'issue',
  description: 'issue a key for a hotline; prints it once (at most two active keys per hotline)',
})
export class IssueKeyCommand extends CommandRunner {
  constructor(private readonly keys: HotlineKeysRepository) {
    super();
  }

  async run(_params: string[], options: IssueOptions): Promise<void> {
    const hotline = check(hotlineId, options.hotline, '--hotline');
    const regions = check(z.array(region).min(1), options.regions, '--regions');
    const eventTypes = check(z.array(eventType).min(1), options.eventTypes, '--event-types');
    if (hotline === null || regions === null || eventTypes === null) return;
    try {
      const { keyId, apiKey } = await this.keys.issue(
        hotline,
        regions,
        eventTypes,
        options.label ?? null,
      );
      process.stdout.write(
        `key id:      ${keyId}\nhotline:     ${hotline}\nregions:     ${regions.join(',')}\nevent types: ${eventTypes.join(',')}\n` +
          `api key:     ${apiKey}\n\nThe API key is shown only now; Beacon keeps only its hash.\n`,
      );
    } catch (error) {
      if (error instanceof TooManyActiveKeysError) return fail(`refused: ${error.message}`);
      throw error;
    }
  }

  @Option({ flags: '--hotline <id>', description: 'hotline id', required: true })
  parseHotline(value: string): string {
    return value;
  }

  @Option({
    flags: '--regions <list>',
    description: 'comma-separated region slugs, or *',
    required: true,
  })
  parseRegions(value: string): string[] {
    return list(value);
  }

  @Option({
    flags: '--event-types <list>',
    description: 'comma-separated fact types, or *',
    required: true,
  })
  parseEventTypes(value: string): string[] {
    return list(value);
  }

  @Option({
    flags: '--label <text>',
    description: 'a note for operators, e.g. where the key is deployed',
  })
  parseLabel(value: string): string {
    return value;
  }
}

@SubCommand({ name: 'list', description: 'list keys (never the keys themselves)' })
export class ListKeysCommand extends CommandRunner {
  constructor(private readonly keys: HotlineKeysRepository) {
    super();
  }

  async run(_params: string[], options: { hotline?: string }): Promise<void> {
    const rows = await this.keys.list(options.hotline);
    const lines = rows.map((k) =>
      [
        k.keyId,
        k.hotlineId,
        k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active',
        k.regions.join(','),
        k.eventTypes.join(','),
        k.createdAt.toISOString(),
        k.label ?? '',
      ].join('\t'),
    );
    process.stdout.write(
      ['key id\thotline\tstatus\tregions\tevent types\tcreated\tlabel', ...lines].join('\n') + '\n',
    );
  }

  @Option({ flags: '--hotline <id>', description: 'only this hotline' })
  parseHotline(value: string): string {
    return value;
  }
}

@SubCommand({
  name: 'revoke',
  arguments: '<keyId>',
  description: 'revoke a key; it stops working within HOTLINE_KEY_CACHE_MS',
})
export class RevokeKeyCommand extends CommandRunner {
  constructor(private readonly keys: HotlineKeysRepository) {
    super();
  }

  async run([keyId]: string[]): Promise<void> {
    const id = check(z.uuid(), keyId, 'key id');
    if (id === null) return;
    if (await this.keys.revoke(id)) process.stdout.write(`revoked ${id}\n`);
    else fail(`no active key ${id}`);
  }
}

@Command({
  name: 'keys',
  description: 'hotline API keys',
  subCommands: [IssueKeyCommand, ListKeysCommand, RevokeKeyCommand],
})
export class KeysCommand extends CommandRunner {
  run(): Promise<void> {
    this.command.help();
  }
}
