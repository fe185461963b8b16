import { METRICS } from '@beacon/observability';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const here = __dirname;
const dashboards = path.join(here, '../grafana/dashboards');

function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool is missing: `npm test` installs Debian\'s prometheus package, or install it yourself');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Every beacon_* series an expression refers to, with histogram suffixes folded back. */
function seriesIn(expr: string): string[] {
  return [...expr.matchAll(/\bbeacon_[a-z_]+\b/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));
}

const known = new Set<string>(Object.values(METRICS));

describe('Prometheus and Grafana configuration', () => {
  it('is valid for promtool, and its alert rules fire as their tests expect', () => {
    // Syntax only: the bearer token file exists only where Prometheus runs, mounted from a secret.
    expect(promtool('check', 'config', '--syntax-only', 'prometheus.yml')).toMatch(/SUCCESS/);
    expect(promtool('check', 'rules', 'rules/beacon.rules.yml')).toMatch(/SUCCESS: 9 rules found/);
    expect(promtool('test', 'rules', 'rules/beacon.rules.test.yml')).toMatch(/SUCCESS/);
  });

  it('scrapes /metrics of the four services with the bearer token the services require', () => {
    const config = parse(readFileSync(path.join(here, 'prometheus.yml'), 'utf8')) as {
      scrape_configs: { metrics_path: string; authorization?: { type: string; credentials_file?: string }; static_configs: { labels: { service: string } }[] }[];
    };
    const [job] = config.scrape_configs;
    expect(job?.metrics_path).toBe('/metrics');
    expect(job?.authorization).toEqual({ type: 'Bearer', credentials_file: expect.any(String) });
    expect(job?.static_configs.map((c) => c.labels.service).sort()).toEqual(['alert-dispatcher', 'case-projector', 'intake-api', 'ops-console']);
  });

  it('alerts on consumer lag, outbox age, delivery failures and critical alerts past SLA', () => {
    const rules = (parse(readFileSync(path.join(here, 'rules/beacon.rules.yml'), 'utf8')) as { groups: { rules: { alert?: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
    const alerts = rules.filter((r) => r.alert).map((r) => r.alert);
    expect(alerts).toEqual(expect.arrayContaining(['BeaconConsumerLagHigh', 'BeaconConsumerCrashing', 'BeaconOutboxStale', 'BeaconDeliveryFailures', 'BeaconCriticalAlertUnacknowledged']));
    for (const rule of rules) for (const series of seriesIn(rule.expr)) expect({ series, known: known.has(series) }).toEqual({ series, known: true });
  });

  it('has dashboards for the pipeline and for alerting that query only series the services expose', () => {
    const files = readdirSync(dashboards).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(['alerting.json', 'pipeline.json']);
    for (const file of files) {
      const dashboard = JSON.parse(readFileSync(path.join(dashboards, file), 'utf8')) as { uid: string; panels: { targets: { expr: string }[] }[] };
      expect(dashboard.uid).toMatch(/^beacon-/);
      expect(dashboard.panels.length).toBeGreaterThan(4);
      for (const target of dashboard.panels.flatMap((p) => p.targets)) {
        for (const series of seriesIn(target.expr)) {
          if (series.startsWith('beacon:')) continue;
          expect({ file, series, known: known.has(series) }).toEqual({ file, series, known: true });
        }
      }
    }
  });
});
