import {
  Controller,
  type DynamicModule,
  Get,
  Header,
  Inject,
  Module,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { LoggerModule } from 'nestjs-pino';
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { HealthChecks } from './health';
import { nestLoggerParams } from './logging';
import { ServiceMetrics } from './metrics';

export interface ObservabilityOptions {
  service: string;
  logLevel: string;
  /** When set, /metrics requires `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
}

const OPTIONS = Symbol('OBSERVABILITY_OPTIONS');

/**
 * `METRICS_TOKEN` in each service's environment: unset leaves /metrics open (a port reachable
 * only from inside the cluster); set, Prometheus must send it as a bearer token.
 */
export const metricsToken = z.string().min(32, 'must be at least 32 characters').optional();

function sameSecret(a: string, b: string): boolean {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(a), digest(b));
}

@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: ServiceMetrics,
    @Inject(OPTIONS) private readonly options: ObservabilityOptions,
  ) {}

  @Get()
  @Header('cache-control', 'no-store')
  async scrape(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const expected = this.options.metricsToken;
    if (expected) {
      const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
      if (!sameSecret(given, expected)) throw new UnauthorizedException('metrics need a bearer token');
    }
    await reply.type(this.metrics.contentType).send(await this.metrics.text());
  }
}

/** JSON logs with trace ids, the /metrics endpoint and health checks, the same in every service. */
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      imports: [
        LoggerModule.forRoot(nestLoggerParams(options.service, options.logLevel)),
        // Failed checks are answered (and logged in one line) by HealthChecks, without Terminus' dump.
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [MetricsController],
      providers: [
        { provide: OPTIONS, useValue: options },
        { provide: ServiceMetrics, useValue: new ServiceMetrics(options.service) },
        HealthChecks,
      ],
      exports: [ServiceMetrics, HealthChecks],
    };
  }
}
