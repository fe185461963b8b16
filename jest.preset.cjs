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
  unit: { suffix: 'spec', timeout: 10_000 },
  int: { suffix: 'int-spec', timeout: 120_000 },
  e2e: { suffix: 'e2e-spec', timeout: 300_000 },
};

/** @param {string} projectDir @returns {import('jest').Config} */
module.exports = function beaconJestConfig(projectDir) {
  const name = path.relative(__dirname, projectDir);
  return {
    projects: Object.entries(kinds).map(([kind, { suffix, timeout }]) => ({
      displayName: kind,
      rootDir: projectDir,
      testEnvironment: 'node',
      testMatch: [`<rootDir>/**/*.${suffix}.ts`],
      transform,
      moduleNameMapper,
      moduleFileExtensions: ['ts', 'js', 'json'],
      testTimeout: timeout,
      slowTestThreshold: kind === 'unit' ? 2 : 60,
      setupFiles: [path.join(__dirname, 'jest.setup.cjs')],
      cacheDirectory: path.join(__dirname, 'tmp/jest-cache', name),
    })),
  };
};
