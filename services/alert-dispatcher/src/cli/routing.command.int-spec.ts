import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { routingFile } from '../testing/dispatcher.harness';

const root = path.resolve(__dirname, '../../../..');

/** `beacon <args>` as an operator runs it: the built CLI, nothing but PATH in its environment. */
function beacon(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const { status, stdout, stderr } = spawnSync(
    process.execPath,
    [path.join(root, 'bin/beacon.mjs'), ...args],
    { cwd: root, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' },
  );
  return { status, stdout, stderr };
}

describe('beacon routing validate', () => {
  it('says a good file is valid and what it routes, and exits 0', () => {
    const file = routingFile();

    const result = beacon('routing', 'validate', file);

    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    expect(result.stdout).toContain(
      `${file}: valid, 4 region(s) (almaty, astana, shymkent, karaganda), `,
    );
    expect(result.stdout).toContain(`(sha256 ${sha256.slice(0, 12)})`);
  });

  it('names every error deep in the file by its path and says what is wrong, and exits 65', () => {
    const file = routingFile((config) => {
      config.regions.almaty!.rotation.weeks = [
        { primary: 'po-alm-1', deputy: 'po-alm-2' },
        { primary: 'po-alm-9', deputy: 'po-alm-2' },
      ];
      config.regions.astana!.rotation.weeks[0]!.deputy = 'po-ast-1';
    });

    const result = beacon('routing', 'validate', file);

    expect(result.status).toBe(65);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`routing configuration ${file} is invalid:`);
    expect(result.stderr).toContain(
      "regions.almaty.rotation.weeks[1].primary: unknown officer 'po-alm-9'",
    );
    expect(result.stderr).toContain(
      'regions.astana.rotation.weeks[0].deputy: the deputy must be someone other than the primary',
    );
    expect(result.stderr).not.toMatch(/valid, /);
  });

  it('refuses a file it cannot read, naming it', () => {
    const missing = path.join(path.dirname(routingFile()), 'no-such-routing.yaml');

    const result = beacon('routing', 'validate', missing);

    expect(result.status).toBe(65);
    expect(result.stderr).toContain(`routing configuration ${missing} is invalid:`);
    expect(result.stderr).toContain('(root): cannot read the file (ENOENT)');
  });
});
