#!/usr/bin/env node
// The end-to-end tests in two lanes. Specs that assert how soon something happens (a page within
// 5 s of the report, the next tier at the SLA, a live countdown, a scrape interval) run one at a
// time, with the machine to themselves. The others wait only for outcomes, and run two at a time.
// Exits non-zero if either lane fails; both always run.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const jest = path.join(root, 'node_modules', '.bin', 'jest');

/** Specs whose assertions are about time, relative to e2e/src/. */
const TIMED = [
  'alerting-paging.e2e-spec.ts', // pages within 5 s, deputy at the SLA ± 3 s
  'walking-skeleton.e2e-spec.ts', // the e-mail within 5 s of the 202
  'scale-out.e2e-spec.ts', // two instances of each service share the pages of one stream
  'intake-kafka-outage.e2e-spec.ts', // two relays sharing the outbox while the broker comes back
  'observability.e2e-spec.ts', // Prometheus scrape intervals
  'console-browser.e2e-spec.ts', // live alerts and countdowns in the browser
];
const pattern = (file) => `e2e/src/${file.replace(/\./g, '\\.')}$`;

function lane(tag, args) {
  return new Promise((resolve) => {
    const child = spawn(jest, ['-c', 'e2e/jest.config.cjs', '--selectProjects=e2e', ...args], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, BEACON_RESULTS_TAG: tag },
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const extra = process.argv.slice(2);
const shared = await lane('shared', [
  '--maxWorkers=2',
  ...TIMED.map((file) => `--testPathIgnorePatterns=${pattern(file)}`),
  ...extra,
]);
const timed = await lane('timed', ['--runInBand', ...extra, ...TIMED.map(pattern)]);
process.exit(shared !== 0 || timed !== 0 ? 1 : 0);
