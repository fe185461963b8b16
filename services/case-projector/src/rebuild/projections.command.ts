import { CASE_EVENTS_TOPIC } from '@beacon/events';
import { topicName, type Kafka } from '@beacon/kafka';
import { CheckpointStore, quoteIdent, runMigrations, type Pool } from '@beacon/persistence';
import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { auditWriterGrantsSql, type AuditRecorder } from '@beacon/audit';
import { recordAdminAct } from '../cli/cli.audit';
import { CLI_AUDIT, CLI_KAFKA } from '../cli/cli.tokens';
import { CliError, print, printJson, table } from '../cli/cli.output';
import { projectionMigrations } from '../migrations';
import { PROJECTOR_CONFIG, type ProjectorConfig } from '../projector.config';
import { checkpointConsumer, ReadModelVersionsRepository, tableOf } from '../read-models/read-model-versions.repository';
import { ReadModelRepository } from '../read-models/read-model.repository';
import { PROJECTOR_POOL } from '../read-models/read-models.module';
import { ProjectionRebuild } from './rebuild.service';

/** What a read-only console role may select: the views, never the versioned tables behind them. */
const READER_VIEWS = ['cases', 'case_timeline', 'alerts', 'case_count_parts', 'case_counts', 'incidents', 'read_model_versions', 'case_identity', 'kafka_checkpoints'];

interface JsonFlag {
  json?: boolean;
}

@SubCommand({ name: 'migrate', description: 'apply the projection schema migrations (the service also does at start-up)' })
export class MigrateCommand extends CommandRunner {
  constructor(@Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig) {
    super();
  }

  async run(): Promise<void> {
    const applied = await runMigrations(this.config.DATABASE_URL, 'projection', projectionMigrations);
    print(applied.length === 0 ? 'projection schema is up to date' : `applied: ${applied.join(', ')}`);
  }
}

@SubCommand({ name: 'status', description: 'read-model versions and how far each has read the case topic' })
export class StatusCommand extends CommandRunner {
  constructor(
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
    @Inject(PROJECTOR_POOL) private readonly pool: Pool,
    @Inject(CLI_KAFKA) private readonly kafka: Kafka,
    private readonly versions: ReadModelVersionsRepository,
  ) {
    super();
  }

  async run(_params: string[], options: JsonFlag = {}): Promise<void> {
    const topic = topicName({ topicPrefix: this.config.KAFKA_TOPIC_PREFIX }, CASE_EVENTS_TOPIC);
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: Map<number, bigint>;
    try {
      const topics = await admin.listTopics();
      ends = topics.includes(topic) ? new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)])) : new Map<number, bigint>();
    } finally {
      await admin.disconnect();
    }
    const versions = [];
    for (const v of await this.versions.list()) {
      if (v.status === 'retired') {
        versions.push({ ...v, cases: null, lag: null });
        continue;
      }
      const stored = await new CheckpointStore('projection', checkpointConsumer(this.config.CONSUMER_GROUP, v.version)).load(this.pool, topic);
      const lag = [...ends].reduce((sum, [p, end]) => {
        const at = BigInt(stored.get(p) ?? '0');
        return sum + Number(end > at ? end - at : 0n);
      }, 0);
      const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${tableOf('cases', v.version)}`);
      versions.push({ ...v, cases: rows[0]?.n ?? 0, lag });
    }
    if (options.json) {
      printJson({ topic, versions });
      return;
    }
    print(
      table(
        ['version', 'status', 'cases', 'lag (events)', 'created', 'activated'],
        versions.map((v) => [v.version, v.status, v.cases, v.lag, v.createdAt.toISOString(), v.activatedAt?.toISOString() ?? null]),
      ),
    );
  }

  @Option({ flags: '--json', description: 'print one JSON object' })
  parseJson(): boolean {
    return true;
  }
}

interface RebuildFlags extends JsonFlag {
  restart?: boolean;
  keepPrevious?: boolean;
}

@SubCommand({
  name: 'rebuild',
  description: 'replay the case topic from the beginning into a new read-model version, then switch over to it',
})
export class RebuildCommand extends CommandRunner {
  constructor(
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
    @Inject(PROJECTOR_POOL) private readonly pool: Pool,
    @Inject(CLI_KAFKA) private readonly kafka: Kafka,
    private readonly versions: ReadModelVersionsRepository,
    private readonly readModels: ReadModelRepository,
    @Inject(CLI_AUDIT) private readonly audit: AuditRecorder,
  ) {
    super();
  }

  async run(_params: string[], options: RebuildFlags = {}): Promise<void> {
    const rebuild = new ProjectionRebuild(this.config, this.pool, this.kafka, this.versions, this.readModels);
    let lastReport = 0;
    const result = await rebuild.run({
      restart: options.restart ?? false,
      keepPrevious: options.keepPrevious ?? false,
      onProgress: (p) => {
        if (Date.now() - lastReport < 2_000) return;
        lastReport = Date.now();
        process.stderr.write(`rebuilding v${p.version}: ${p.applied} events applied, ${p.lag} behind, ${Math.round(p.eventsPerSecond)} events/s\n`);
      },
    });
    await recordAdminAct(this.audit, 'projections-rebuild', {
      version: result.version,
      previous: result.previous,
      applied: result.applied,
    });
    if (options.json) {
      printJson(result);
      return;
    }
    print(
      `read-model version ${result.version} is active (replaced ${result.previous}${result.previousDropped ? ', dropped' : ', kept'})\n` +
        `${result.applied} events applied in ${result.seconds.toFixed(1)} s` +
        (result.resumed ? ' (resumed)' : '') +
        `; live projector held ${result.switchMs} ms at switch-over` +
        (result.poison > 0 ? `; ${result.poison} unreadable record(s), ${result.deadLettered} newly dead-lettered` : ''),
    );
  }

  @Option({ flags: '--restart', description: 'drop an unfinished rebuild instead of resuming it' })
  parseRestart(): boolean {
    return true;
  }

  @Option({ flags: '--keep-previous', description: 'keep the replaced version’s tables' })
  parseKeepPrevious(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'print one JSON object' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'drop-version', arguments: '<version>', description: 'drop a retired or unfinished read-model version' })
export class DropVersionCommand extends CommandRunner {
  constructor(
    private readonly versions: ReadModelVersionsRepository,
    @Inject(CLI_AUDIT) private readonly audit: AuditRecorder,
  ) {
    super();
  }

  async run([raw]: string[]): Promise<void> {
    const version = Number(raw);
    if (!Number.isInteger(version) || version < 1) throw new CliError(`<version> must be a positive integer, got "${raw ?? ''}"`, 64);
    await this.versions.drop(version);
    await recordAdminAct(this.audit, 'projections-drop-version', { version });
    print(`dropped read-model version ${version}`);
  }
}

@SubCommand({
  name: 'grant-reader',
  arguments: '<role>',
  description: 'let an existing database role read the case read models (the views only) and append to the audit log, e.g. for ops-console',
})
export class GrantReaderCommand extends CommandRunner {
  constructor(
    @Inject(PROJECTOR_POOL) private readonly pool: Pool,
    @Inject(CLI_AUDIT) private readonly audit: AuditRecorder,
  ) {
    super();
  }

  async run([role]: string[]): Promise<void> {
    let ident: string;
    try {
      ident = quoteIdent(role ?? '');
    } catch {
      throw new CliError(`<role> must be a lowercase role name, got "${role ?? ''}"`, 64);
    }
    await this.pool.query(`GRANT USAGE ON SCHEMA projection TO ${ident}`);
    await this.pool.query(`GRANT SELECT ON ${READER_VIEWS.map((v) => `projection.${v}`).join(', ')} TO ${ident}`);
    // The reader (the console) also records what its users read: append to the audit log, never change it.
    for (const statement of auditWriterGrantsSql(ident.replace(/"/g, ''))) await this.pool.query(statement);
    await recordAdminAct(this.audit, 'projections-grant-reader', { role: `db:${role}` });
    print(`${role} may now read ${READER_VIEWS.join(', ')} and append to the audit log`);
  }
}

@Command({
  name: 'projections',
  description: 'case read models: status, rebuild, versions, access',
  subCommands: [MigrateCommand, StatusCommand, RebuildCommand, DropVersionCommand, GrantReaderCommand],
})
export class ProjectionsCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
    return Promise.resolve();
  }
}

export const ProjectionCommands = [ProjectionsCommand, MigrateCommand, StatusCommand, RebuildCommand, DropVersionCommand, GrantReaderCommand];
