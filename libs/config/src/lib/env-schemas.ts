import { z } from 'zod';

/** Building blocks for each service's environment schema. */

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\//.test(v) && URL.canParse(v), {
    message: 'must be a postgres:// or postgresql:// URL',
  });

export const kafkaBrokers = z
  .string()
  .min(1)
  .transform((v) => v.split(',').map((b) => b.trim()).filter(Boolean))
  .refine((list) => list.length > 0 && list.every((b) => /^[^\s:]+:\d{1,5}$/.test(b)), {
    message: 'must be a comma-separated list of host:port',
  });

/** Prepended to every topic name; lets tests and shared clusters keep their topics apart. */
export const topicPrefix = z
  .string()
  .regex(/^[a-zA-Z0-9._-]*$/, 'may contain only letters, digits, ".", "_" and "-"')
  .default('');

export const smtpUrl = z
  .string()
  .refine((v) => /^smtps?:\/\//.test(v) && URL.canParse(v), {
    message: 'must be an smtp:// or smtps:// URL, e.g. smtp://127.0.0.1:1025',
  });

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/** A 32-byte key given as base64 (standard or URL-safe). */
export const key256 = z.string().refine((v) => Buffer.from(v, 'base64').length === 32, {
  message: 'must be 32 bytes encoded as base64 (e.g. `openssl rand -base64 32`)',
});

export const httpUrl = z.string().refine((v) => /^https?:\/\//.test(v) && URL.canParse(v), {
  message: 'must be an http:// or https:// URL',
});

/**
 * How often a service looks at its busiest tables when the server's autovacuum is off, and
 * vacuums and analyses those that changed enough; 0 turns it off. Does nothing while autovacuum is on.
 */
export const tableUpkeepInterval = z.coerce.number().int().min(0).max(3_600_000).default(5_000);
