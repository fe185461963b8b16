import { ProblemException } from '@beacon/http';
import { constantTimeEqual } from '@beacon/security';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { type FastifyRequest } from 'fastify';
import { CONSOLE_CONFIG, type ConsoleConfig } from '../console.config';

/** Bearer API keys for console clients until user accounts take over. */
@Injectable()
export class ConsoleAuthGuard implements CanActivate {
  constructor(@Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { consoleUser?: string }>();
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    // Compare against every key so the time taken does not say which one nearly matched.
    let user: string | undefined;
    for (const entry of this.config.CONSOLE_API_KEYS) {
      if (token !== undefined && constantTimeEqual(token, entry.key)) user = entry.user;
    }
    if (!user) {
      throw new ProblemException(401, 'unauthenticated', 'Authentication required', 'Send a console API key as `Authorization: Bearer <key>`.', {}, { 'www-authenticate': 'Bearer realm="beacon-console"' });
    }
    request.consoleUser = user;
    return true;
  }
}
