import { httpUrl, loadConfig, logLevel, port, postgresUrl } from '@beacon/config';
import { z } from 'zod';

/** `user:key` pairs, comma-separated; keys at least 32 characters. */
const apiKeys = z
  .string()
  .transform((v) => v.split(',').map((pair) => pair.trim()).filter(Boolean))
  .refine((pairs) => pairs.length > 0 && pairs.every((p) => /^[A-Za-z0-9._-]+:\S{32,}$/.test(p)), {
    message: 'must be comma-separated user:key pairs, each key at least 32 characters',
  })
  .transform((pairs) =>
    pairs.map((p) => {
      const i = p.indexOf(':');
      return { user: p.slice(0, i), key: p.slice(i + 1) };
    }),
  );

export const consoleEnvSchema = z.object({
  PORT: port(3000),
  DATABASE_URL: postgresUrl,
  CONSOLE_API_KEYS: apiKeys,
  LOG_LEVEL: logLevel,
  /** The alert dispatcher, its service token as the password: http://console:<token>@alert-dispatcher:3200 */
  ALERT_DISPATCHER_URL: httpUrl.optional(),
});

export type ConsoleConfig = Readonly<z.infer<typeof consoleEnvSchema>>;
export const CONSOLE_CONFIG = Symbol('CONSOLE_CONFIG');

export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  return loadConfig('ops-console', consoleEnvSchema, env);
}
