import { parseOrThrow } from '@beacon/http';
import { Body, Controller, HttpCode, Post, UseFilters, UseGuards } from '@nestjs/common';
import { changePasswordSchema, loginSchema, refreshSchema, totpStepSchema } from './auth.dto';
import { AuthService, type LoginResult } from './auth.service';
import { IdentityExceptionFilter } from '../identity-exception.filter';
import { UsersService } from '../users/users.service';
import { type UserPrincipal } from './principal';
import { CurrentPrincipal, UserAuthGuard } from './user-auth.guard';

@Controller('v1/auth')
@UseFilters(IdentityExceptionFilter)
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Post('login')
  @HttpCode(200)
  login(@Body() body: unknown): Promise<LoginResult> {
    const { username, password, totp } = parseOrThrow(loginSchema, body);
    return this.auth.login(username, password, totp);
  }

  @Post('totp')
  @HttpCode(200)
  totp(@Body() body: unknown): Promise<LoginResult> {
    const { challengeToken, totp } = parseOrThrow(totpStepSchema, body);
    return this.auth.completeTotp(challengeToken, totp);
  }

  @Post('refresh')
  @HttpCode(200)
  refresh(@Body() body: unknown): Promise<LoginResult> {
    return this.auth.refresh(parseOrThrow(refreshSchema, body).refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@Body() body: unknown): Promise<void> {
    await this.auth.logout(parseOrThrow(refreshSchema, body).refreshToken);
  }

  @Post('password')
  @HttpCode(204)
  @UseGuards(UserAuthGuard)
  async changePassword(@CurrentPrincipal() principal: UserPrincipal, @Body() body: unknown): Promise<void> {
    const { currentPassword, newPassword } = parseOrThrow(changePasswordSchema, body);
    await this.users.changePassword(principal.userId, currentPassword, newPassword);
  }
}
