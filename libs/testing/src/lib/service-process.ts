import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './infrastructure';
import { trackService } from './live-services';

export type ServiceName = 'intake-api' | 'case-projector' | 'alert-dispatcher' | 'ops-console';

export interface ServiceProcess {
  name: ServiceName;
  port: number;
  baseUrl: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const workspaceRoot = path.resolve(__dirname, '../../../..');

export function builtEntry(name: ServiceName): string {
  const entry = path.join(workspaceRoot, 'dist', 'services', name, 'src', 'main.js');
  if (!existsSync(entry)) {
    throw new Error(`${entry} is missing: build first (node tools/build.mjs); \`npm test\` does this`);
  }
  return entry;
}

/** Runs a service from its built output, as in production. */
export function spawnService(name: ServiceName, env: Record<string, string>, port: number): ServiceProcess {
  const child = spawn(process.execPath, [builtEntry(name)], {
    cwd: workspaceRoot,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-50_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const untrack = trackService({ label: `${name} on port ${port}`, output: () => log });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      untrack();
      resolve(code);
    }),
  );
  return {
    name,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    child,
    output: () => log,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return child.exitCode;
    },
  };
}

export async function startService(name: ServiceName, env: Record<string, string>, port: number): Promise<ServiceProcess> {
  const service = spawnService(name, env, port);
  let ended = false;
  void service.exited.then(() => (ended = true));
  try {
    await waitFor(
      async () => {
        if (ended) throw new Error(`${name} exited during start-up:\n${service.output().slice(-4000)}`);
        const response = await fetch(`${service.baseUrl}/health/ready`);
        return response.ok;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `${name} to be ready` },
    );
  } catch (error) {
    await service.stop('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- ${name} output ---\n${service.output().slice(-4000)}`);
  }
  return service;
}
