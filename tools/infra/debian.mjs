// Installs the Debian packages some tests drive for real (promtool, Kannel, Chromium) when
// their programs are missing. Needs root and apt; says exactly what is missing otherwise.
import { spawnSync } from 'node:child_process';

const has = (program) => spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;

/** @param {Record<string, string>} programs program → Debian package providing it */
export function ensureDebianPackages(programs, log = (m) => process.stderr.write(`[infra] ${m}\n`)) {
  const missing = [...new Set(Object.entries(programs).filter(([program]) => !has(program)).map(([, pkg]) => pkg))];
  if (missing.length === 0) return;
  if (!has('apt-get') || process.getuid?.() !== 0) {
    throw new Error(`Missing Debian packages: ${missing.join(', ')} (install them with apt-get as root)`);
  }
  log(`installing ${missing.join(', ')} from Debian's packages`);
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
  if (install()) return;
  spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!install()) throw new Error(`apt-get could not install ${missing.join(', ')}`);
}

/** Where Debian's chromium package puts the browser the console's browser test drives. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Chromium from Debian's packages for the console's browser test (playwright-core drives it;
 * no browser is downloaded). Same rules as above: root and apt, or a clear error.
 */
export function ensureChromium(log) {
  ensureDebianPackages({ chromium: 'chromium' }, log);
}
