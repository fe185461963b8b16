#!/usr/bin/env node
// `npm run bench`: runs every benchmark with --json and writes docs/benchmarks.md with the
// machine, the commands, each figure beside its baseline from the same run, and the ratios.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const benches = [
  {
    name: 'intake',
    script: 'bench:intake',
    what: 'Accepted reports per second and latency at 50 connections for 30 s, beside a bare Fastify route doing one INSERT into the same PostgreSQL.',
    rows: (r) => [
      ['reports/s', fmt(r.reportsPerSecond), fmt(r.baselinePerSecond), ratio(r.ratio ?? r.reportsPerSecond / r.baselinePerSecond), '≥ 2,000/s, ratio ≥ 0.6'],
      ['p50 latency', ms(r.p50Ms), ms(r.baselineP50Ms), '', ''],
      ['p99 latency', ms(r.p99Ms), ms(r.baselineP99Ms), '', '≤ 50 ms'],
    ],
  },
  {
    name: 'rebuild',
    script: 'bench:rebuild',
    what: 'Replay of 1,000,000 generated events over 100,000 cases into the read models, beside the raw kafkajs consume rate of the same topic.',
    rows: (r) => [
      ['events/s', fmt(r.eventsPerSecond), fmt(r.baselinePerSecond), ratio(r.ratio ?? r.eventsPerSecond / r.baselinePerSecond), '≥ 20,000/s, ratio ≥ 0.5'],
      ['peak RSS (projector)', r.peakRssMb === undefined ? '' : `${fmt(r.peakRssMb)} MB`, '', '', ''],
    ],
  },
  {
    name: 'alert-latency',
    script: 'bench:alert-latency',
    what: 'Report accepted → message accepted by the SMTP server at 100 reports/s for 60 s, beside plain Kafka produce → consume latency on the same broker.',
    rows: (r) => [
      ['p50 latency', ms(r.p50Ms), ms(r.kafkaP50Ms), '', ''],
      ['p99 latency', ms(r.p99Ms), ms(r.kafkaP99Ms), ratio(r.kafkaP99Ms ? r.p99Ms / r.kafkaP99Ms : undefined), '≤ 1,000 ms'],
    ],
  },
  {
    name: 'alert-latency-production',
    script: 'bench:alert-latency',
    args: ['--routing', 'production'],
    what: "The same with production's routing shape: each case pages the on-call officer and the legal-aid partner by SMS and e-mail at once (four messages), the SMS to an SMPP server. The officer's e-mail is timed, and the officer's SMS beside it.",
    rows: (r) => [
      ['p50 latency (e-mail)', ms(r.p50Ms), ms(r.kafkaP50Ms), '', ''],
      ['p99 latency (e-mail)', ms(r.p99Ms), ms(r.kafkaP99Ms), ratio(r.kafkaP99Ms ? r.p99Ms / r.kafkaP99Ms : undefined), '≤ 1,000 ms'],
      ['p50 latency (SMS)', ms(r.smsP50Ms), ms(r.kafkaP50Ms), '', ''],
      ['p99 latency (SMS)', ms(r.smsP99Ms), ms(r.kafkaP99Ms), ratio(r.kafkaP99Ms ? r.smsP99Ms / r.kafkaP99Ms : undefined), ''],
    ],
  },
];

function fmt(n) {
  return typeof n === 'number' && Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '';
}
function ms(n) {
  return typeof n === 'number' && Number.isFinite(n) ? `${n < 10 ? n.toFixed(1) : Math.round(n)} ms` : '';
}
function ratio(n) {
  return typeof n === 'number' && Number.isFinite(n) ? n.toFixed(2) : '';
}

function runJson(script, args = []) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '-s', script, '--', ...args, '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.on('exit', (code) => {
      const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      try {
        resolve({ code, result: line ? JSON.parse(line) : null });
      } catch {
        resolve({ code, result: null });
      }
    });
  });
}

const machine = [
  `- CPU: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
  `- Memory: ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  `- OS: ${os.type()} ${os.release()}`,
  `- Node.js: ${process.version}`,
  `- Date: ${new Date().toISOString()}`,
];
const sections = [];
let failed = 0;
// Each result is kept in tmp/bench/<name>.json; `--reuse intake,rebuild` takes those from the
// last run instead of running them again (when only one benchmark needs a new run).
const resultsDir = path.join(root, 'tmp', 'bench');
mkdirSync(resultsDir, { recursive: true });
const reuseAt = process.argv.indexOf('--reuse');
const reuse = new Set(reuseAt >= 0 ? (process.argv[reuseAt + 1] ?? '').split(',') : []);
for (const bench of benches) {
  process.stderr.write(`\n== ${bench.name}\n`);
  const saved = path.join(resultsDir, `${bench.name}.json`);
  const { code, result, at } = reuse.has(bench.name)
    ? JSON.parse(readFileSync(saved, 'utf8'))
    : { ...(await runJson(bench.script, bench.args)), at: new Date().toISOString() };
  if (result) writeFileSync(saved, JSON.stringify({ code, result, at }));
  const lines = [`## ${bench.name}`, '', bench.what, '', `Command: \`npm run ${bench.script}${bench.args ? ` -- ${bench.args.join(' ')}` : ''}\` (run ${at})`, ''];
  if (!result) {
    failed += 1;
    lines.push(`**Did not complete** (exit ${code}); see the command's output.`, '');
  } else {
    // A benchmark exits 1 when it misses its target; its figures are still the run's figures.
    if (code !== 0) lines.push(`The command exited with ${code}: a target is not met.`, '');
    lines.push('| figure | Beacon | baseline | ratio | target |', '|---|---|---|---|---|');
    for (const row of bench.rows(result)) lines.push(`| ${row.join(' | ')} |`);
    lines.push('', '<details><summary>raw figures</summary>', '', '```json', JSON.stringify(result, null, 2), '```', '</details>', '');
  }
  sections.push(lines.join('\n'));
}
const doc = [
  '# Benchmarks',
  '',
  'Written by `npm run bench`, which runs each benchmark below with `--json`. Every figure is measured beside its baseline in the same run on the same machine.',
  '',
  '## Machine',
  '',
  ...machine,
  '',
  ...sections,
].join('\n');
writeFileSync(path.join(root, 'docs', 'benchmarks.md'), `${doc}\n`);
process.stderr.write(`\nwrote docs/benchmarks.md${failed ? ` (${failed} benchmark(s) did not complete)` : ''}\n`);
process.exit(failed ? 1 : 0);
