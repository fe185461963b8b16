import { onCallFor, type RoutingConfig } from '@beacon/alerting-domain';
import { createPool } from '@beacon/persistence';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import path from 'node:path';
import { loadDispatcherConfig } from '../dispatcher.config';
import {
  readRoutingFile,
  ROUTING_RELOAD_CHANNEL,
  RoutingConfigError,
} from '../routing/routing.service';
import { EXIT, fail, print, table } from './cli-output';

interface InstanceRow {
  instance_id: string;
  routing_sha256: string | null;
  routing_loaded_at: Date | null;
  routing_error: string | null;
  seen_at: Date;
}

function summary(config: RoutingConfig): string {
  const regions = Object.keys(config.regions);
  return `${regions.length} region(s) (${regions.join(', ')}), ${Object.keys(config.people).length} people, ${Object.keys(config.partners).length} legal-aid partner(s)`;
}

/** Loads a routing file for a command; prints every error with its path and sets the exit code. */
function load(file: string): ReturnType<typeof readRoutingFile> | null {
  try {
    return readRoutingFile(file);
  } catch (error) {
    if (error instanceof RoutingConfigError) {
      fail(error.message, EXIT.dataError);
      return null;
    }
    throw error;
  }
}

const defaultFile = () => process.env.ROUTING_CONFIG_PATH ?? 'deploy/routing/routing.yaml';

@SubCommand({
  name: 'validate',
  arguments: '[file]',
  description: 'check a routing file; errors name the offending path',
})
export class RoutingValidateCommand extends CommandRunner {
  run([file]: string[]): Promise<void> {
    const target = path.resolve(file ?? defaultFile());
    const loaded = load(target);
    if (loaded)
      print(`${target}: valid, ${summary(loaded.config)} (sha256 ${loaded.sha256.slice(0, 12)})`);
    return Promise.resolve();
  }
}

@SubCommand({
  name: 'reload',
  description: 'validate the routing file, then make every running dispatcher load it (no restart)',
})
export class RoutingReloadCommand extends CommandRunner {
  async run(): Promise<void> {
    const config = loadDispatcherConfig();
    const file = path.resolve(config.ROUTING_CONFIG_PATH);
    const loaded = load(file);
    if (!loaded) return;
    const pool = createPool(config.DATABASE_URL, 'beacon-cli', 1);
    try {
      await pool.query(`NOTIFY ${ROUTING_RELOAD_CHANNEL}`);
      const deadline = Date.now() + 10_000;
      let instances: InstanceRow[] = [];
      for (;;) {
        ({ rows: instances } = await pool.query<InstanceRow>(
          `SELECT instance_id, routing_sha256, routing_loaded_at, routing_error, seen_at FROM alerting.dispatcher_instances
           WHERE seen_at > now() - interval '30 seconds' ORDER BY instance_id`,
        ));
        if (instances.every((i) => i.routing_sha256 === loaded.sha256) || Date.now() > deadline)
          break;
        await new Promise((r) => setTimeout(r, 250));
      }
      if (instances.length === 0) {
        print(
          `${file} is valid; no dispatcher is running to load it (each loads it when it starts)`,
        );
        return;
      }
      const lagging = instances.filter((i) => i.routing_sha256 !== loaded.sha256);
      print(
        table(
          ['instance', 'routing', 'state'],
          instances.map((i) => [
            i.instance_id,
            (i.routing_sha256 ?? '').slice(0, 12),
            i.routing_sha256 === loaded.sha256 ? 'loaded' : 'NOT loaded',
          ]),
        ),
      );
      if (lagging.length > 0)
        fail(
          `${lagging.length} dispatcher(s) did not load sha256 ${loaded.sha256.slice(0, 12)}`,
          EXIT.tempFail,
        );
      else print(`every dispatcher now routes with ${summary(loaded.config)}`);
    } finally {
      await pool.end();
    }
  }
}

@SubCommand({ name: 'status', description: 'which routing each running dispatcher has in force' })
export class RoutingStatusCommand extends CommandRunner {
  async run(): Promise<void> {
    const config = loadDispatcherConfig();
    const pool = createPool(config.DATABASE_URL, 'beacon-cli', 1);
    try {
      const { rows } = await pool.query<InstanceRow>(
        `SELECT instance_id, routing_sha256, routing_loaded_at, routing_error, seen_at FROM alerting.dispatcher_instances ORDER BY instance_id`,
      );
      print(
        table(
          ['instance', 'routing', 'loaded at', 'last seen', 'last reload'],
          rows.map((r) => [
            r.instance_id,
            (r.routing_sha256 ?? '').slice(0, 12),
            r.routing_loaded_at?.toISOString() ?? '',
            r.seen_at.toISOString(),
            r.routing_error ? 'REJECTED (see the dispatcher log)' : 'ok',
          ]),
        ),
      );
    } finally {
      await pool.end();
    }
  }
}

@SubCommand({
  name: 'on-call',
  arguments: '[region]',
  description: 'who holds each region’s on-call phone (now, or --at)',
})
export class RoutingOnCallCommand extends CommandRunner {
  private at = new Date();

  @Option({ flags: '--at <instant>', description: 'an ISO date-time, e.g. 2025-06-10T01:00+06:00' })
  parseAt(value: string): Date {
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) throw new Error(`--at: not a date-time: ${value}`);
    this.at = at;
    return at;
  }

  @Option({ flags: '--file <file>', description: 'routing file (default: ROUTING_CONFIG_PATH)' })
  parseFile(value: string): string {
    return value;
  }

  run([region]: string[], options?: Record<string, unknown>): Promise<void> {
    const file = typeof options?.file === 'string' ? options.file : defaultFile();
    const loaded = load(path.resolve(file));
    if (!loaded) return Promise.resolve();
    const { config } = loaded;
    const regions = region ? [region] : Object.keys(config.regions);
    const rows: string[][] = [];
    for (const id of regions) {
      const onCall = onCallFor(config, id, this.at);
      if (!onCall) {
        fail(`unknown region '${id}'`, EXIT.usage);
        return Promise.resolve();
      }
      const name = (personId: string) => `${personId} (${config.people[personId]?.name ?? '?'})`;
      rows.push([id, name(onCall.primary), name(onCall.deputy)]);
    }
    print(`on call at ${this.at.toISOString()}`);
    print(table(['region', 'primary', 'deputy'], rows));
    return Promise.resolve();
  }
}

@Command({
  name: 'routing',
  description: 'routing configuration: validate, reload without restart, status, on-call',
  subCommands: [
    RoutingValidateCommand,
    RoutingReloadCommand,
    RoutingStatusCommand,
    RoutingOnCallCommand,
  ],
})
export class RoutingCommand extends CommandRunner {
  run(): Promise<void> {
    this.command.help();
  }
}
