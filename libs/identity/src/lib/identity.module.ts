import { createPool } from '@beacon/persistence';
import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { type Pool } from 'pg';
import { AuthController } from './auth/auth.controller';
import { AuthService } from './auth/auth.service';
import { RefreshTokensRepository } from './auth/refresh-tokens.repository';
import { TokensService } from './auth/tokens.service';
import { UserAuthGuard } from './auth/user-auth.guard';
import { IDENTITY_OPTIONS, IDENTITY_POOL, type IdentityModuleOptions, resolveIdentityOptions } from './identity.options';
import { OidcController } from './oidc/oidc.controller';
import { OidcLoginsRepository } from './oidc/oidc-logins.repository';
import { OidcService } from './oidc/oidc.service';
import { CLI_OUTPUT, ProcessCliOutput, USERS_COMMANDS } from './users/users.command';
import { UsersController } from './users/users.controller';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

@Injectable()
class IdentityPoolCloser implements OnApplicationShutdown {
  constructor(@Inject(IDENTITY_POOL) private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * Staff accounts and sessions for a service: `/v1/auth/*`, `/v1/admin/users/*`, the
 * `UserAuthGuard` + `@RequireRole` + `@CurrentPrincipal` trio, and the `users` CLI commands.
 */
@Module({})
export class IdentityModule {
  static forRoot(options: IdentityModuleOptions): DynamicModule {
    const resolved = resolveIdentityOptions(options);
    const controllers = resolved.http ? [AuthController, UsersController, ...(resolved.oidc ? [OidcController] : [])] : [];
    return {
      module: IdentityModule,
      global: true,
      controllers,
      providers: [
        { provide: IDENTITY_OPTIONS, useValue: resolved },
        { provide: IDENTITY_POOL, useFactory: () => createPool(resolved.databaseUrl, 'identity', resolved.poolSize) },
        { provide: CLI_OUTPUT, useClass: ProcessCliOutput },
        IdentityPoolCloser,
        UsersRepository,
        RefreshTokensRepository,
        OidcLoginsRepository,
        TokensService,
        AuthService,
        UsersService,
        OidcService,
        UserAuthGuard,
        ...USERS_COMMANDS,
      ],
      exports: [IDENTITY_OPTIONS, TokensService, AuthService, UsersService, UserAuthGuard, CLI_OUTPUT],
    };
  }
}
