#!/usr/bin/env node
// `beacon <group> <command> …`: the admin CLI. Each group belongs to the service that owns its
// data, and runs that service's built CLI with the same environment the service uses.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const groups = {
  keys: 'intake-api',
  reports: 'intake-api',
  projections: 'case-projector',
  dlq: 'case-projector',
  routing: 'alert-dispatcher',
  alerts: 'alert-dispatcher',
  persons: 'intake-api',
  users: 'ops-console',
};

const [group, ...rest] = process.argv.slice(2);
if (!group || !(group in groups)) {
  process.stderr.write(
    `usage: beacon <${Object.keys(groups).join('|')}> <command> [options]\n` +
      `       beacon <group> --help   lists a group's commands\n`,
  );
  process.exit(group ? 64 : 0);
}
const service = groups[group];
const entry = path.join(root, 'dist', 'services', service, 'src', 'cli.js');
if (!existsSync(entry)) {
  process.stderr.write(`${service} has no built CLI at ${entry}: run \`npm run build\` first\n`);
  process.exit(69);
}
const result = spawnSync(process.execPath, [entry, group, ...rest], { stdio: 'inherit' });
process.exit(result.status ?? 1);
