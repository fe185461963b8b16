export { IdentityModule } from './lib/identity.module';
export {
  IDENTITY_OPTIONS,
  identityEnvSchema,
  identityEnvShape,
  identityOptionsFromEnv,
  type IdentityEnv,
  type IdentityModuleOptions,
  type OidcOptions,
} from './lib/identity.options';
export { IdentityException, identityProblem, type IdentityErrorCode } from './lib/identity.exception';
export { IdentityExceptionFilter } from './lib/identity-exception.filter';
export { type UserPrincipal } from './lib/auth/principal';
export { authorizeOrThrow, CurrentPrincipal, RequireRole, UserAuthGuard, type RequestWithPrincipal } from './lib/auth/user-auth.guard';
export { TokensService, type TokenPair } from './lib/auth/tokens.service';
export { AuthService, type LoginResult, type PublicPrincipal } from './lib/auth/auth.service';
export { UsersService, createUserSchema, type Actor, type CreatedUser, type CreateUserInput, type UserSummary } from './lib/users/users.service';
export {
  CLI_OUTPUT,
  CreateUserCommand,
  DisableUserCommand,
  EnableUserCommand,
  ListUsersCommand,
  ResetTotpCommand,
  USERS_COMMANDS,
  UsersCommand,
  type CliOutput,
} from './lib/users/users.command';
export { IDENTITY_SCHEMA, identityMigrations } from './lib/migrations';
