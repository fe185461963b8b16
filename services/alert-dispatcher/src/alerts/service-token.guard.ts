import { ProblemException } from '@beacon/http';
import { constantTimeEqual } from '@beacon/security';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { type FastifyRequest } from 'fastify';
import { DISPATCHER_CONFIG, type DispatcherConfig } from '../dispatcher.config';

/** Service-to-service calls (ops-console acknowledging for an officer) carry a shared bearer token. */
@Injectable()
export class ServiceTokenGuard implements CanActivate {
  constructor(@Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const expected = this.config.CONSOLE_SERVICE_TOKEN;
    if (expected === undefined || token === undefined || !constantTimeEqual(token, expected)) {
      throw new ProblemException(
        401,
        'unauthenticated',
        'Authentication required',
        expected === undefined
          ? 'This dispatcher takes no service calls: CONSOLE_SERVICE_TOKEN is not set.'
          : 'Send the service token as `Authorization: Bearer <token>`.',
        {},
        { 'www-authenticate': 'Bearer realm="beacon-alert-dispatcher"' },
      );
    }
    return true;
  }
}
