import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const composeFile = path.resolve(__dirname, '../../../../docker-compose.yml');

/**
 * A service's environment as docker compose would hand it over: YAML merge keys applied,
 * `${VAR:?msg}` / `${VAR:-default}` substituted from `variables`, values as strings.
 */
export function composeEnvironment(service: string, variables: Record<string, string> = {}): Record<string, string> {
  const document = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, unknown> }>;
  };
  const definition = document.services[service];
  if (!definition) throw new Error(`docker-compose.yml has no service "${service}"`);
  const substitute = (value: string) =>
    value.replace(/\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
      const given = variables[name];
      if (given !== undefined && given !== '') return given;
      if (op === '?') throw new Error(`docker-compose.yml: ${service} needs ${name} (${arg ?? ''})`);
      return op === '-' ? (arg ?? '') : '';
    });
  return Object.fromEntries(
    Object.entries(definition.environment ?? {})
      .map(([key, value]) => [key, substitute(String(value))] as const)
      // compose passes an empty string for `${VAR:-}`; services treat unset and empty alike
      .filter(([, value]) => value !== ''),
  );
}
