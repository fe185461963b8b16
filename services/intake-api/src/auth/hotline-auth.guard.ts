import { ProblemException } from '@beacon/http';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { type FastifyRequest } from 'fastify';
import { type HotlinePrincipal, HotlineKeysRepository } from './hotline-keys.repository';

export type AuthenticatedRequest = FastifyRequest & { hotline?: HotlinePrincipal };

const REALM = 'Bearer realm="beacon-intake"';

export function principalOf(request: AuthenticatedRequest): HotlinePrincipal {
  if (!request.hotline)
    throw new ProblemException(401, 'unauthenticated', 'Authentication required');
  return request.hotline;
}

/** Hotlines authenticate with `Authorization: Bearer <api key>`. */
@Injectable()
export class HotlineAuthGuard implements CanActivate {
  constructor(private readonly keys: HotlineKeysRepository) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
    if (!match?.[1]) {
      throw new ProblemException(
        401,
        'unauthenticated',
        'Authentication required',
        'Send the hotline API key as `Authorization: Bearer <key>`.',
        {},
        { 'www-authenticate': REALM },
      );
    }
    const principal = await this.keys.findActive(match[1]);
    if (!principal) {
      throw new ProblemException(
        401,
        'unauthenticated',
        'Authentication required',
        'The API key is unknown or revoked.',
        {},
        { 'www-authenticate': `${REALM}, error="invalid_token"` },
      );
    }
    request.hotline = principal;
    return true;
  }
}
