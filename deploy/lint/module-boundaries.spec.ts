import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * The repository's own ESLint configuration, run on source text placed inside a library: a pure
 * library (type:domain, type:contracts) that imports a framework, transport or storage client
 * must fail the lint, and the libraries that wrap those clients must not.
 *
 * ESLint runs in a child process because its configuration is an ES module, which Jest's module
 * loader does not import. The type-aware parser accepts only files the tsconfig includes on disk,
 * so each probe is linted under the name of its library's existing index.ts; nothing is written.
 */
const root = path.resolve(__dirname, '..', '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

// The parser keeps a probe as the file's text for the rest of the run, so the file's own text is
// linted again after each probe: a later probe that imports that library sees its real exports.
const lintTexts = `
import { readFileSync } from 'node:fs';
import { ESLint } from 'eslint';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const eslint = new ESLint({ cwd: process.cwd() });
const results = [];
for (const { code, filePath } of JSON.parse(input)) {
  const [result] = await eslint.lintText(code, { filePath });
  results.push(result.messages.map(({ ruleId, message }) => ({ ruleId, message })));
  await eslint.lintText(readFileSync(filePath, 'utf8'), { filePath });
}
process.stdout.write('\\n' + JSON.stringify(results) + '\\n');
`;

interface Probe {
  filePath: string;
  code: string;
}
interface Finding {
  ruleId: string | null;
  message: string;
}

const importing = (specifier: string, name: string) =>
  `import { ${name} } from '${specifier}';\nexport const probe = ${name};\n`;
const impure = [
  { specifier: '@nestjs/common', name: 'Injectable' },
  { specifier: 'kafkajs', name: 'Kafka' },
  { specifier: 'typeorm', name: 'DataSource' },
  { specifier: 'pg', name: 'Pool' },
];
const pure = [
  { lib: 'case-domain', tag: 'type:domain' },
  { lib: 'events', tag: 'type:contracts' },
];
const door = (lib: string) => `libs/${lib}/src/index.ts`;

const probes: Record<string, Probe> = {};
for (const { lib } of pure)
  for (const { specifier, name } of impure)
    probes[`${lib} -> ${specifier}`] = { filePath: door(lib), code: importing(specifier, name) };
probes['case-domain -> zod'] = { filePath: door('case-domain'), code: importing('zod', 'z') };
probes['case-domain -> @beacon/events'] = {
  filePath: door('case-domain'),
  code: importing('@beacon/events', 'CODES'),
};
probes['events -> zod'] = { filePath: door('events'), code: importing('zod', 'z') };
probes['kafka -> kafkajs'] = { filePath: door('kafka'), code: importing('kafkajs', 'Kafka') };

let findings: Record<string, Finding[]>;
/** What the boundary rule alone found: the probes are not meant to pass the type-aware rules. */
const boundary = (probe: string) =>
  (findings[probe] ?? []).filter((f) => f.ruleId === '@nx/enforce-module-boundaries');

beforeAll(() => {
  // The rule reads Nx's cached project graph and skips itself without one, as on a fresh clone;
  // `npm test` and `npm run lint` compute it first the same way.
  execFileSync(bin('nx'), ['show', 'projects'], {
    cwd: root,
    env: { ...process.env, NX_DAEMON: 'false' },
    stdio: 'ignore',
  });
  const names = Object.keys(probes);
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', lintTexts], {
    cwd: root,
    input: JSON.stringify(names.map((name) => probes[name])),
    encoding: 'utf8',
  });
  const results = JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as Finding[][];
  findings = Object.fromEntries(names.map((name, i) => [name, results[i] ?? []]));
}, 120_000);

describe('module boundaries of the pure libraries', () => {
  describe.each(pure)('$lib ($tag)', ({ lib, tag }) => {
    it.each(impure)('may not import $specifier', ({ specifier }) => {
      expect(findings[`${lib} -> ${specifier}`]).toContainEqual({
        ruleId: '@nx/enforce-module-boundaries',
        message: `A project tagged with "${tag}" is not allowed to import "${specifier}"`,
      });
    });

    it('may import zod', () => {
      expect(boundary(`${lib} -> zod`)).toEqual([]);
    });
  });

  it('lets a domain library import a contracts library', () => {
    expect(boundary('case-domain -> @beacon/events')).toEqual([]);
  });

  it('lets the Kafka library import kafkajs', () => {
    expect(boundary('kafka -> kafkajs')).toEqual([]);
  });
});
