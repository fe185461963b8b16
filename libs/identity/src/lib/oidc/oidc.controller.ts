import { Controller, Get, Query, Res, UseFilters } from '@nestjs/common';
import { type FastifyReply } from 'fastify';
import { type LoginResult } from '../auth/auth.service';
import { IdentityExceptionFilter } from '../identity-exception.filter';
import { OidcService } from './oidc.service';

@Controller('v1/auth/oidc')
@UseFilters(IdentityExceptionFilter)
export class OidcController {
  constructor(private readonly oidc: OidcService) {}

  /** Redirects the browser to the identity provider. */
  @Get('start')
  async start(@Res() reply: FastifyReply): Promise<void> {
    const { authorizationUrl } = await this.oidc.start();
    await reply.status(302).header('location', authorizationUrl).send();
  }

  @Get('callback')
  callback(@Query() query: Record<string, string | undefined>): Promise<LoginResult> {
    return this.oidc.callback(query);
  }
}
