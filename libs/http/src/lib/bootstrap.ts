import { type DynamicModule, type INestApplication, Logger, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import { registerHttpTracing } from '@beacon/observability';
import { Logger as PinoLogger } from 'nestjs-pino';
import { ProblemFilter } from './problem';

export interface HttpAppOptions {
  bodyLimitBytes?: number;
  /** Origins allowed to call the API from a browser; none unless listed. */
  corsOrigins?: readonly string[];
  /** The module imports the observability module: log through its JSON logger. */
  jsonLogs?: boolean;
}

/** A Fastify-backed Nest app with the conventions every Beacon service shares. */
export async function createHttpApp(module: Type | DynamicModule, options: HttpAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes ?? 256 * 1024,
    // Never log request URLs or bodies from Fastify itself.
    logger: false,
    trustProxy: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(options.jsonLogs ? app.get(PinoLogger) : new Logger());
  await app.register(helmet, {
    // The API serves JSON; the console's pages set their own policy.
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  await app.register(cors, { origin: options.corsOrigins?.length ? [...options.corsOrigins] : false, credentials: true });
  app.useGlobalFilters(new ProblemFilter());
  app.enableShutdownHooks();
  const instance = app.getHttpAdapter().getInstance();
  registerHttpTracing(instance);
  instance.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cache-control', 'no-store');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });
  return app;
}

/**
 * Runs a service's start-up; a configuration error prints its message (which names the
 * variables) and exits with status 78 (EX_CONFIG) instead of a stack trace.
 */
export function runMain(name: string, main: () => Promise<INestApplication | void>): void {
  main().catch((error: unknown) => {
    if (error instanceof Error && error.name === 'ConfigError') {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    new Logger(name).error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
