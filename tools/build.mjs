#!/usr/bin/env node
// Compiles services and libs with SWC into dist/, mirroring the source tree, and rewrites
// @beacon/<lib> imports to relative paths so the output runs with plain `node`.
// Type checking is separate (`tsc --noEmit`), as it is for the tests.
import { transformFile } from '@swc/core';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { compilerOptions } = JSON.parse(await readFile(path.join(root, 'tsconfig.base.json'), 'utf8'));
const aliases = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [alias, target.replace(/\.ts$/, '.js')]),
);
const isTest = (f) => /\.(spec|int-spec|e2e-spec)\.ts$/.test(f);
const browser = (f) => f.split(path.sep).join('/').includes('/web/client/');

/** Static files a service serves as they are (pages, styles, message catalogues): every `public/` folder. */
async function* assets(dir, inPublic = false) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* assets(full, inPublic || entry.name === 'public');
    else if (inPublic && !entry.name.endsWith('.ts')) yield full;
  }
}

async function* sources(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !isTest(entry.name)) yield full;
  }
}

async function compile(file) {
  const rel = path.relative(root, file);
  const out = path.join(root, 'dist', rel.replace(/\.ts$/, '.js'));
  const { code, map } = await transformFile(file, {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    // Browser code (the console's pages) runs as native ES modules; everything else under Node.
    module: { type: browser(file) ? 'es6' : 'commonjs' },
    sourceMaps: true,
    sourceFileName: path.relative(path.dirname(out), file),
  });
  const rewritten = code.replace(/require\("(@beacon\/[a-z-]+)"\)/g, (whole, alias) => {
    const target = aliases[alias];
    if (!target) throw new Error(`${rel}: unknown import ${alias}`);
    let relative = path.relative(path.dirname(out), path.join(root, 'dist', target));
    if (!relative.startsWith('.')) relative = `./${relative}`;
    return `require(${JSON.stringify(relative)})`;
  });
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${rewritten}\n//# sourceMappingURL=${path.basename(out)}.map\n`);
  if (map) await writeFile(`${out}.map`, map);
}

const targets = process.argv.slice(2);
const dirs = [...new Set([...(targets.length ? targets : ['services']), 'libs'])];
const started = Date.now();
let count = 0;
for (const dir of dirs) {
  const jobs = [];
  for await (const file of sources(path.join(root, dir))) jobs.push(compile(file));
  await Promise.all(jobs);
  count += jobs.length;
}
// Non-code assets a service needs at run time (templates, static pages).
for (const dir of dirs) {
  for await (const file of assets(path.join(root, dir))) {
    const out = path.join(root, 'dist', path.relative(root, file));
    await mkdir(path.dirname(out), { recursive: true });
    await copyFile(file, out);
    count += 1;
  }
}
console.log(`built ${count} files from ${dirs.join(', ')} in ${Date.now() - started} ms`);
