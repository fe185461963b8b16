import { authorize, type Action, type Decision, type ResourceOf, type Role } from '@beacon/access-policy';
import { ProblemException } from '@beacon/http';
import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type FastifyRequest } from 'fastify';
import { identityProblem, IdentityException } from '../identity.exception';
import { type UserPrincipal } from './principal';
import { TokensService } from './tokens.service';

export type RequestWithPrincipal = FastifyRequest & { principal?: UserPrincipal };

const ROLES_KEY = 'beacon:required-roles';

/** Only these roles may call the handler (checked after authentication); resource scope is `authorizeOrThrow`'s job. */
export const RequireRole = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** The verified caller; only on routes behind UserAuthGuard. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): UserPrincipal => {
  const principal = context.switchToHttp().getRequest<RequestWithPrincipal>().principal;
  if (!principal) throw identityProblem(new IdentityException('unauthenticated', 'Send an access token as `Authorization: Bearer <token>`.'));
  return principal;
});

/** `Authorization: Bearer <access token>` → request.principal, then the roles of @RequireRole. */
@Injectable()
export class UserAuthGuard implements CanActivate {
  constructor(
    private readonly tokens: TokensService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(request.headers.authorization ?? '');
    if (!match?.[1]) {
      throw identityProblem(new IdentityException('unauthenticated', 'Send an access token as `Authorization: Bearer <token>`.'));
    }
    try {
      request.principal = await this.tokens.verifyAccessToken(match[1]);
    } catch (error) {
      if (error instanceof IdentityException) throw identityProblem(error);
      throw error;
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    if (roles && !roles.includes(request.principal.role)) {
      throw new ProblemException(403, 'forbidden', 'Not allowed', `This needs one of the roles: ${roles.join(', ')}.`);
    }
    return true;
  }
}

/** Asks the access policy and answers 401/403 problem+json on refusal; returns the fields allowed. */
export function authorizeOrThrow<A extends Action>(principal: UserPrincipal | null | undefined, action: A, resource: ResourceOf<A>): Extract<Decision, { allow: true }> {
  const decision = authorize(principal, action, resource);
  if (decision.allow) return decision;
  if (decision.status === 401) throw identityProblem(new IdentityException('unauthenticated', 'Authentication required.'));
  throw new ProblemException(403, 'forbidden', 'Not allowed', `Not allowed to ${action} (${decision.reason}).`, { reason: decision.reason });
}
