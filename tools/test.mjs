#!/usr/bin/env node
// `npm test`: lint, typecheck, unit tests, build, then the integration and end-to-end tests
// against real infrastructure (started here unless KAFKA_BROKERS / DATABASE_URL name it).
// Prints one closing line, "N passed, N failed", summed over every Jest run.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './ensure-deps.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = path.join(root, 'tmp', 'test-results');
const started = Date.now();
const only = process.argv.slice(2); // e.g. `npm test -- unit` or `-- int e2e`
const stage = (name) => only.length === 0 || only.includes(name);

function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function step(title) {
  process.stdout.write(`\n== ${title} (${Math.round((Date.now() - started) / 1000)} s)\n`);
}

const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function tally() {
  let passed = 0;
  let failed = 0;
  let suitesFailed = 0;
  const files = [];
  for (const file of readdirSync(results).filter((f) => f.endsWith('.json'))) {
    const report = JSON.parse(readFileSync(path.join(results, file), 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    suitesFailed += report.numRuntimeErrorTestSuites ?? 0;
    files.push(...(report.files ?? []));
  }
  return { passed, failed, suitesFailed, slowest: files.sort((a, b) => b.seconds - a.seconds).slice(0, 8) };
}

/**
 * Two projects at a time: most of an integration test's time is spent waiting on brokers,
 * databases and processes, not on the CPU.
 */
async function jestTarget(target, env, parallel = 2) {
  return run(bin('nx'), ['run-many', '-t', target, `--parallel=${parallel}`, '--outputStyle=stream', '--skip-nx-cache'], env);
}

ensureDependencies(root);
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });
const env = { BEACON_TEST_RESULTS: results, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
const failures = [];

if (stage('lint') || stage('typecheck')) {
  // Side by side: eslint and tsc each keep one core busy.
  step([stage('lint') && 'lint', stage('typecheck') && 'typecheck'].filter(Boolean).join(' and '));
  const lint = async () => {
    // The module-boundary rule reads Nx's project graph; computing it first makes the rule run, not skip.
    await run(bin('nx'), ['show', 'projects'], { NX_DAEMON: 'false' });
    if ((await run(bin('eslint'), ['.', '--max-warnings', '0'])) !== 0) failures.push('lint');
  };
  const typecheck = async () => {
    if ((await run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'])) !== 0) failures.push('typecheck');
    // The console's browser code is checked against the DOM library, apart from the Node code.
    const browserCode = path.join('services', 'ops-console', 'src', 'web', 'client', 'tsconfig.json');
    if ((await run(bin('tsc'), ['-p', browserCode])) !== 0) failures.push('typecheck (browser code)');
  };
  await Promise.all([stage('lint') ? lint() : null, stage('typecheck') ? typecheck() : null]);
}
if (stage('audit')) {
  step('dependency audit');
  // High or critical advisories in production dependencies fail the run. Where the registry
  // does not serve advisories the check says NOT CHECKED instead (BEACON_REQUIRE_AUDIT=1: fail).
  if ((await run(process.execPath, [path.join(root, 'tools', 'audit-deps.mjs'), '--allow-unreachable'])) !== 0)
    failures.push('dependency audit');
}
if (stage('unit')) {
  step('unit tests');
  if ((await jestTarget('test', env)) !== 0) failures.push('unit tests');
}
if (stage('int') || stage('e2e')) {
  step('build');
  if ((await run(process.execPath, [path.join(root, 'tools', 'build.mjs')])) !== 0) failures.push('build');
  step('infrastructure');
  const { resolveInfrastructure } = await import('./infra/index.mjs');
  const { ensureDebianPackages } = await import('./infra/debian.mjs');
  let infra;
  try {
    // Programs the integration tests drive for real.
    ensureDebianPackages({ promtool: 'prometheus' });
    const { ensureKannelInstalled } = await import('./infra/kannel.mjs');
    await ensureKannelInstalled();
    // The local PostgreSQL stays up even if this run started it: test runs may share it.
    infra = await resolveInfrastructure({ stopStartedPostgres: false });
  } catch (error) {
    process.stderr.write(`\nCannot run the integration and end-to-end tests: ${error.message}\n`);
    failures.push('infrastructure');
  }
  if (infra) {
    const onSignal = () => void infra.stop().finally(() => process.exit(130));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const testEnv = { ...env, ...infra.env };
      if (stage('int')) {
        step('integration tests');
        if ((await jestTarget('int-test', testEnv)) !== 0) failures.push('integration tests');
      }
      if (stage('e2e')) await import('./infra/debian.mjs').then((m) => m.ensureChromium()).catch((e) => failures.push(`chromium (${e.message})`));
      if (stage('e2e')) {
        step('end-to-end tests');
        if ((await jestTarget('e2e', testEnv)) !== 0) failures.push('end-to-end tests');
      }
    } finally {
      await infra.stop();
    }
  }
}

if (stage('faults')) {
  // The whole stack under faults (broker and processes killed, PostgreSQL and SMTP down), each
  // fault once; it starts its own broker and PostgreSQL cluster. `npm run test:faults` is the full run.
  step('fault suite (short profile)');
  if (!stage('int') && !stage('e2e') && (await run(process.execPath, [path.join(root, 'tools', 'build.mjs')])) !== 0) failures.push('build');
  if ((await run(bin('jest'), ['-c', 'e2e/faults/jest.config.cjs'], { ...env, FAULTS_PROFILE: 'short' })) !== 0) failures.push('fault suite');
}

const { passed, failed, suitesFailed, slowest } = tally();
process.stdout.write(`\n== done in ${Math.round((Date.now() - started) / 1000)} s\n`);
if (slowest.length > 0)
  process.stdout.write(`slowest test files:\n${slowest.map((f) => `  ${String(f.seconds).padStart(6)} s  ${f.file}`).join('\n')}\n`);
if (failures.length > 0) process.stdout.write(`failed: ${failures.join(', ')}\n`);
if (suitesFailed > 0) process.stdout.write(`${suitesFailed} test suite(s) could not run\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failures.length > 0 || failed > 0 || suitesFailed > 0 ? 1 : 0);
