// Shared Jest setup: SWC for speed, @beacon/* paths from tsconfig.base.json, and one
// Jest "project" per kind of test so each kind is its own Nx target.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias}$`,
    path.join(__dirname, target),
  ]),
);

const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
      },
      module: { type: 'commonjs' },
      sourceMaps: 'inline',
    },
  ],
};

const kinds = {
  unit: { suffix: 'spec' },
  int: { suffix: 'int-spec' },
  e2e: { suffix: 'e2e-spec' },
};

/** @param {string} projectDir @returns {import('jest').Config} */
module.exports = function beaconJestConfig(projectDir) {
  const name = path.relative(__dirname, projectDir);
  const flag = process.argv.findIndex((a) => a === '--selectProjects' || a.startsWith('--selectProjects='));
  const selected = flag < 0 ? 'all' : (process.argv[flag].split('=')[1] ?? process.argv[flag + 1]);
  const tag = process.env.BEACON_RESULTS_TAG ? `-${process.env.BEACON_RESULTS_TAG}` : '';
  const resultsFile = path.join(__dirname, 'tmp/test-results', `${name.replace(/\//g, '-')}-${selected}${tag}.json`);
  return {
    reporters: ['default', [path.join(__dirname, 'tools/jest-results-reporter.cjs'), { file: resultsFile }]],
    projects: Object.entries(kinds).map(([kind, { suffix }]) => ({
      displayName: kind,
      rootDir: projectDir,
      testEnvironment: 'node',
      testMatch: [`<rootDir>/**/*.${suffix}.ts`],
      transform,
      moduleNameMapper,
      moduleFileExtensions: ['ts', 'js', 'json'],
      slowTestThreshold: kind === 'unit' ? 2 : 60,
      setupFiles: [path.join(__dirname, 'jest.setup.cjs')],
      // Integration and end-to-end tests wait on real brokers and processes.
      setupFilesAfterEnv: [path.join(__dirname, `jest.timeout-${kind}.cjs`)],
      cacheDirectory: path.join(__dirname, 'tmp/jest-cache', name),
    })),
  };
};
