import { type z } from 'zod';

/** A configuration problem found at start-up: every offending variable with what is wrong. */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: { variable: string; message: string }[],
  ) {
    super(
      `${service}: invalid configuration\n` +
        problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once, at boot, into a frozen typed object. Variables are read only
 * through this function so a missing secret fails the start, not the first request.
 */
export function loadConfig<S extends z.ZodObject>(
  service: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => ({
      variable: issue.path.map(String).join('.') || '(environment)',
      message:
        issue.code === 'invalid_type' && issue.input === undefined
          ? 'is required but not set'
          : issue.message,
    }));
    throw new ConfigError(service, problems);
  }
  return Object.freeze(result.data);
}
