import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { NotReadyError } from '@beacon/observability';
import { type FastifyReply, type FastifyRequest } from 'fastify';

/** One invalid part of a request: where (a JSON pointer into the body, a header, a parameter) and what. */
export interface InvalidParam {
  name: string;
  reason: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  'invalid-params'?: InvalidParam[];
  [extension: string]: unknown;
}

const PROBLEM_BASE = 'https://beacon.example/problems/';

/** An error that is answered as RFC 9457 problem+json. */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(title, status);
  }
}

export function validationProblem(invalid: InvalidParam[], detail = 'The request has invalid fields.') {
  return new ProblemException(HttpStatus.BAD_REQUEST, 'validation', 'Invalid request', detail, {
    'invalid-params': invalid,
  });
}

/**
 * Every error leaves as problem+json. Unexpected errors are logged with their stack but
 * answered without it: no internals, no request data.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const { problem, headers } = this.toProblem(exception);
    problem.instance = request.url.split('?')[0];
    if (problem.status >= 500) {
      this.logger.error(
        `unhandled error on ${request.method} ${problem.instance}`,
        exception instanceof Error ? exception.stack : String(exception),
      );
    }
    void reply.status(problem.status).headers(headers).type('application/problem+json').send(problem);
  }

  private toProblem(exception: unknown): { problem: ProblemDetails; headers: Record<string, string> } {
    if (exception instanceof ProblemException) {
      return {
        problem: {
          type: PROBLEM_BASE + exception.slug,
          title: exception.title,
          status: exception.getStatus(),
          ...(exception.detail ? { detail: exception.detail } : {}),
          ...exception.extensions,
        },
        headers: exception.headers,
      };
    }
    if (exception instanceof NotReadyError) {
      // Which dependency is down, never why in detail: probes answer up or down only.
      return {
        problem: {
          type: PROBLEM_BASE + 'not-ready',
          title: 'Not ready',
          status: 503,
          detail: 'A dependency this service needs is down.',
          checks: exception.result.details,
        },
        headers: {},
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return {
        problem: { type: PROBLEM_BASE + String(status), title: exception.message, status },
        headers: {},
      };
    }
    const status = fastifyStatus(exception);
    if (status !== null) {
      const slug = status === 413 ? 'body-too-large' : status === 415 ? 'unsupported-media-type' : 'bad-request';
      const title =
        status === 413
          ? 'Request body too large'
          : status === 415
            ? 'Unsupported media type'
            : 'Malformed request';
      const detail = status === 400 ? 'The body is not valid JSON.' : (exception as Error).message;
      return { problem: { type: PROBLEM_BASE + slug, title, status, detail }, headers: {} };
    }
    return {
      problem: { type: PROBLEM_BASE + 'internal', title: 'Internal error', status: 500 },
      headers: {},
    };
  }
}

/** Fastify's own client errors (bad JSON, body too large, wrong content type) carry a statusCode. */
function fastifyStatus(exception: unknown): number | null {
  if (exception instanceof Error && 'statusCode' in exception) {
    const status = (exception as { statusCode: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) return status;
  }
  return null;
}
