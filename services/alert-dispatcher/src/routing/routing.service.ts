import {
  formatRoutingConfigErrors,
  parseRoutingConfig,
  type RoutingConfig,
  type RoutingConfigError as PathError,
} from '@beacon/alerting-domain';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import path from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../dispatcher.config';

/** The channel `beacon routing reload` notifies; every dispatcher listens on it. */
export const ROUTING_RELOAD_CHANNEL = 'alerting_routing_reload';

export class RoutingConfigError extends Error {
  constructor(
    readonly file: string,
    readonly errors: PathError[],
  ) {
    super(
      `routing configuration ${file} is invalid:\n${formatRoutingConfigErrors(errors)
        .split('\n')
        .map((line) => `  ${line}`)
        .join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export interface LoadedRouting {
  config: RoutingConfig;
  sha256: string;
}

/** Reads, parses and validates a routing file; errors name the offending path (or line). */
export function readRoutingFile(file: string): LoadedRouting {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RoutingConfigError(file, [
      {
        path: '',
        message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      },
    ]);
  }
  let raw: unknown;
  try {
    raw = parse(text, { prettyErrors: true });
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos ? `line ${error.linePos[0].line}` : '';
    throw new RoutingConfigError(file, [
      { path: where, message: `not valid YAML: ${(error as Error).message.split('\n')[0]}` },
    ]);
  }
  const result = parseRoutingConfig(raw);
  if (!result.ok) throw new RoutingConfigError(file, result.errors);
  return { config: result.config, sha256: createHash('sha256').update(text).digest('hex') };
}

export function loadRoutingFile(file: string): RoutingConfig {
  return readRoutingFile(file).config;
}

type ReloadListener = (outcome: {
  ok: boolean;
  sha256: string | null;
  error: string | null;
}) => void;

/**
 * Routing is read at start-up (a bad file stops the start) and again, without a restart, on
 * SIGHUP, when the file changes on disk, or on `beacon routing reload`. A bad new file keeps
 * the previous configuration in force and says why.
 */
@Injectable()
export class RoutingService implements OnModuleDestroy {
  private readonly logger = new Logger(RoutingService.name);
  readonly file: string;
  private current: LoadedRouting;
  private lastError: string | null = null;
  private loadedAt = new Date();
  private readonly listeners = new Set<ReloadListener>();
  private readonly onHangup = () => {
    this.reload('SIGHUP');
  };
  private readonly onFileChange = (now: Stats, before: Stats) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) this.reload('file change');
  };
  private watching = false;

  constructor(@Inject(DISPATCHER_CONFIG) config: DispatcherConfig) {
    this.file = path.resolve(config.ROUTING_CONFIG_PATH);
    this.current = readRoutingFile(this.file);
    process.on('SIGHUP', this.onHangup);
    if (config.ROUTING_WATCH) {
      watchFile(this.file, { interval: 1_000, persistent: false }, this.onFileChange);
      this.watching = true;
    }
  }

  get config(): RoutingConfig {
    return this.current.config;
  }

  get status(): { sha256: string; loadedAt: Date; error: string | null } {
    return { sha256: this.current.sha256, loadedAt: this.loadedAt, error: this.lastError };
  }

  onReload(listener: ReloadListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  reload(trigger: string): boolean {
    try {
      const next = readRoutingFile(this.file);
      const changed = next.sha256 !== this.current.sha256;
      this.current = next;
      this.loadedAt = new Date();
      this.lastError = null;
      this.logger.log(
        `routing configuration ${changed ? 'reloaded' : 'unchanged'} (${trigger}, sha256 ${next.sha256.slice(0, 12)})`,
      );
      for (const listener of this.listeners)
        listener({ ok: true, sha256: next.sha256, error: null });
      return true;
    } catch (error) {
      this.lastError = (error as Error).message;
      this.logger.error(
        `routing reload (${trigger}) rejected, previous configuration stays in force:\n${this.lastError}`,
      );
      for (const listener of this.listeners)
        listener({ ok: false, sha256: null, error: this.lastError });
      return false;
    }
  }

  onModuleDestroy(): void {
    process.off('SIGHUP', this.onHangup);
    if (this.watching) unwatchFile(this.file, this.onFileChange);
  }
}
