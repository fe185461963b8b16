#!/usr/bin/env node
// Writes docs/asyncapi.yaml from the event catalogue (run after `node tools/build.mjs`).
// `--check` only compares, and exits 1 if the committed document is out of date.
import { isDeepStrictEqual } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(import.meta.url);
const entry = path.join(root, 'dist/libs/events/src/index.js');
let events;
try {
  events = require(entry);
} catch {
  process.stderr.write(`${entry} is missing: run \`node tools/build.mjs\` first\n`);
  process.exit(69);
}
const target = path.join(root, 'docs/asyncapi.yaml');
const document = events.asyncApiDocument();
const text = events.toYaml(document);
// The hand-rolled YAML must read back as the same document with a real YAML parser.
if (!isDeepStrictEqual(parse(text), JSON.parse(JSON.stringify(document)))) {
  process.stderr.write('toYaml() output does not parse back to the document\n');
  process.exit(1);
}
if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== text) {
    process.stderr.write(
      `${path.relative(root, target)} is out of date: run node libs/events/scripts/generate-asyncapi.mjs\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`${path.relative(root, target)} is up to date\n`);
} else {
  await writeFile(target, text);
  process.stdout.write(
    `wrote ${path.relative(root, target)} (${Object.keys(document.components.messages).length} messages)\n`,
  );
}
