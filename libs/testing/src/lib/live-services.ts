/**
 * The services a test process has running, so that a wait that times out can say what they last
 * reported: a failure in CI is then explained by its own output.
 */
export interface Reporting {
  label: string;
  output(): string;
}

const live = new Set<Reporting>();

export function trackService(service: Reporting): () => void {
  live.add(service);
  return () => live.delete(service);
}

/** Warnings, errors and anything not a JSON log line (stack traces), then the last lines. */
export function notable(output: string, maxLines = 15): string {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  const loud = lines.filter((line) => !line.startsWith('{') || /"level":"(warn|error|fatal)"/.test(line));
  const picked = [...new Set([...loud.slice(-maxLines), ...lines.slice(-3)])];
  return picked.map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line)).join('\n');
}

export function liveServicesReport(): string {
  if (live.size === 0) return '';
  return [...live].map((s) => `\n--- ${s.label}, last notable output ---\n${notable(s.output())}`).join('');
}
