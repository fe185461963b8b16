import { ProblemException } from '@beacon/http';
import { constantTimeEqual } from '@beacon/security';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { type FastifyRequest } from 'fastify';
import { CONSOLE_CONFIG, type ConsoleConfig } from '../console.config';

/** The console user a bearer key belongs to, or null. */
export function authenticate(keys: ConsoleConfig['CONSOLE_API_KEYS'], authorization: string | undefined): string | null {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  // Compare against every key so the time taken does not say which one nearly matched.
  let user: string | null = null;
  for (const entry of keys) {
    if (token !== undefined && constantTimeEqual(token, entry.key)) user = entry.user;
  }
  return user;
}

export const unauthenticated = () =>
  new ProblemException(
    401,
    'unauthenticated',
    'Authentication required',
    'Send a console API key as `Authorization: Bearer <key>`.',
    {},
    { 'www-authenticate': 'Bearer realm="beacon-console"' },
  );

/** Bearer API keys for console clients until user accounts take over. */
@Injectable()
export class ConsoleAuthGuard implements CanActivate {
  constructor(@Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { consoleUser?: string }>();
    const user = authenticate(this.config.CONSOLE_API_KEYS, request.headers.authorization);
    if (!user) throw unauthenticated();
    request.consoleUser = user;
    return true;
  }
}
