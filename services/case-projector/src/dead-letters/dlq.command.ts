import { type Kafka } from '@beacon/kafka';
import { type Pool } from '@beacon/persistence';
import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { type AuditRecorder } from '@beacon/audit';
import { cliActor, recordAdminAct } from '../cli/cli.audit';
import { CLI_AUDIT, CLI_KAFKA } from '../cli/cli.tokens';
import { CliError, print, printJson, table } from '../cli/cli.output';
import { PROJECTOR_CONFIG, type ProjectorConfig } from '../projector.config';
import { PROJECTOR_POOL } from '../read-models/read-models.module';
import { DeadLetterRepository } from './dead-letter.repository';

function repositoryFor(config: ProjectorConfig, kafka: Kafka, pool: Pool): DeadLetterRepository {
  return new DeadLetterRepository(kafka, pool, config.KAFKA_TOPIC_PREFIX, config.CONSUMER_GROUP);
}

interface ListFlags {
  json?: boolean;
  pending?: boolean;
}

@SubCommand({ name: 'list', description: 'records the projector could not read, with the reason' })
export class ListDeadLettersCommand extends CommandRunner {
  constructor(
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
    @Inject(CLI_KAFKA) private readonly kafka: Kafka,
    @Inject(PROJECTOR_POOL) private readonly pool: Pool,
  ) {
    super();
  }

  async run(_params: string[], options: ListFlags = {}): Promise<void> {
    const all = await repositoryFor(this.config, this.kafka, this.pool).list();
    const entries = options.pending ? all.filter((e) => e.replayedAt === null) : all;
    if (options.json) {
      printJson({ deadLetters: entries });
      return;
    }
    if (entries.length === 0) {
      print('no dead letters');
      return;
    }
    print(
      table(
        ['dlq position', 'source', 'reason', 'type', 'event id', 'dead-lettered', 'replayed', 'message'],
        entries.map((e) => [
          `${e.partition}/${e.offset}`,
          e.source,
          e.reason,
          e.type,
          e.eventId,
          e.deadLetteredAt,
          e.replayedAt,
          e.message.length > 120 ? `${e.message.slice(0, 117)}...` : e.message,
        ]),
      ),
    );
  }

  @Option({ flags: '--pending', description: 'only those not replayed yet' })
  parsePending(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'print one JSON object' })
  parseJson(): boolean {
    return true;
  }
}

interface ReplayFlags {
  json?: boolean;
  all?: boolean;
  dryRun?: boolean;
}

@SubCommand({
  name: 'replay',
  arguments: '[positions...]',
  argsDescription: { positions: 'dead-letter positions as partition/offset, as `beacon dlq list` shows them' },
  description: 'put dead letters this build can now read back on the case topic (each at most once)',
})
export class ReplayDeadLettersCommand extends CommandRunner {
  constructor(
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
    @Inject(CLI_KAFKA) private readonly kafka: Kafka,
    @Inject(PROJECTOR_POOL) private readonly pool: Pool,
    @Inject(CLI_AUDIT) private readonly audit: AuditRecorder,
  ) {
    super();
  }

  async run(params: string[], options: ReplayFlags = {}): Promise<void> {
    if (params.length === 0 && !options.all) throw new CliError('name dead letters as partition/offset, or pass --all', 64);
    if (params.length > 0 && options.all) throw new CliError('pass either positions or --all, not both', 64);
    const positions = params.map((p) => {
      const match = /^(\d+)\/(\d+)$/.exec(p);
      if (!match) throw new CliError(`"${p}" is not a dead-letter position (partition/offset, e.g. 0/12)`, 64);
      return { partition: Number(match[1]), offset: match[2]! };
    });
    const outcomes = await repositoryFor(this.config, this.kafka, this.pool).replay(positions, cliActor(), options.dryRun ?? false);
    const summary = {
      replayed: outcomes.filter((o) => o.result === 'replayed').length,
      alreadyReplayed: outcomes.filter((o) => o.result === 'already-replayed').length,
      stillUnreadable: outcomes.filter((o) => o.result === 'still-unreadable').length,
      dryRun: options.dryRun ?? false,
    };
    if (!summary.dryRun && summary.replayed > 0) await recordAdminAct(this.audit, 'dlq-replay', { replayed: summary.replayed });
    if (options.json) {
      printJson({ ...summary, outcomes: outcomes.map((o) => ({ position: `${o.entry.partition}/${o.entry.offset}`, eventId: o.entry.eventId, result: o.result, reason: o.reason ?? null })) });
    } else {
      if (outcomes.length > 0) {
        print(table(['dlq position', 'event id', 'result', 'reason'], outcomes.map((o) => [`${o.entry.partition}/${o.entry.offset}`, o.entry.eventId, o.result, o.reason ?? null])));
      }
      print(
        `${summary.dryRun ? 'would replay' : 'replayed'} ${summary.replayed}; already replayed ${summary.alreadyReplayed}; still unreadable ${summary.stillUnreadable}`,
      );
    }
    if (summary.stillUnreadable > 0 && positions.length > 0) process.exitCode = 2;
  }

  @Option({ flags: '--all', description: 'every dead letter not replayed yet' })
  parseAll(): boolean {
    return true;
  }

  @Option({ flags: '--dry-run', description: 'say what would be replayed, send nothing' })
  parseDryRun(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'print one JSON object' })
  parseJson(): boolean {
    return true;
  }
}

@Command({
  name: 'dlq',
  description: 'the case-event dead-letter topic: list and replay',
  subCommands: [ListDeadLettersCommand, ReplayDeadLettersCommand],
})
export class DlqCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
    return Promise.resolve();
  }
}

export const DeadLetterCommands = [DlqCommand, ListDeadLettersCommand, ReplayDeadLettersCommand];
