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
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { LoggerModule } from 'nestjs-pino';
import { createHash, timingSafeEqual } from 'node:crypto';
import { nestLoggerParams } from './logging';
import { ServiceMetrics } from './metrics';

export interface ObservabilityOptions {
  service: string;
  logLevel: string;
  /** When set, /metrics requires `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
}

const OPTIONS = Symbol('OBSERVABILITY_OPTIONS');

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

/** JSON logs with trace ids and the /metrics endpoint, the same in every service. */
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      imports: [LoggerModule.forRoot(nestLoggerParams(options.service, options.logLevel))],
      controllers: [MetricsController],
      providers: [
        { provide: OPTIONS, useValue: options },
        { provide: ServiceMetrics, useValue: new ServiceMetrics(options.service) },
      ],
      exports: [ServiceMetrics],
    };
  }
}
