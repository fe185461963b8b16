import { ProblemException } from '@beacon/http';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { type FastifyRequest } from 'fastify';

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Fastify also parses text/plain; reports are JSON only. */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!JSON_MEDIA_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new ProblemException(
        415,
        'unsupported-media-type',
        'Unsupported media type',
        'Send the body as application/json.',
        {
          'invalid-params': [{ name: 'Content-Type', reason: 'must be application/json' }],
        },
      );
    }
    return true;
  }
}
