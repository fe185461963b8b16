/** A plain text table: the admin CLI's output for people (`--json` gives machines theirs). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function fail(text: string, exitCode: number): void {
  process.stderr.write(`${text}\n`);
  process.exitCode = exitCode;
}

/** sysexits(3), as the other Beacon CLIs use them. */
export const EXIT = {
  usage: 64,
  dataError: 65,
  unavailable: 69,
  software: 70,
  tempFail: 75,
  config: 78,
} as const;
