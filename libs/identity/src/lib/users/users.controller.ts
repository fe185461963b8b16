import { parseOrThrow } from '@beacon/http';
import { Body, Controller, Get, HttpCode, Param, Post, UseFilters, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { type UserPrincipal } from '../auth/principal';
import { CurrentPrincipal, RequireRole, UserAuthGuard } from '../auth/user-auth.guard';
import { IdentityExceptionFilter } from '../identity-exception.filter';
import { type CreatedUser, createUserSchema, type UserSummary, UsersService } from './users.service';

const userId = z.uuid();

/** Account administration for admins (`users.manage`); the same operations exist as CLI commands. */
@Controller('v1/admin/users')
@UseGuards(UserAuthGuard)
@RequireRole('admin')
@UseFilters(IdentityExceptionFilter)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  async list(): Promise<{ users: UserSummary[] }> {
    return { users: await this.users.list() };
  }

  @Post()
  @HttpCode(201)
  create(@CurrentPrincipal() admin: UserPrincipal, @Body() body: unknown): Promise<CreatedUser> {
    return this.users.create(parseOrThrow(createUserSchema, body), { id: admin.userId, role: admin.role });
  }

  @Post(':id/totp-reset')
  @HttpCode(200)
  resetTotp(@CurrentPrincipal() admin: UserPrincipal, @Param('id') id: string): Promise<{ totpUri: string }> {
    return this.users.resetTotp(parseOrThrow(userId, id, '/id'), { id: admin.userId, role: admin.role });
  }

  @Post(':id/disable')
  @HttpCode(204)
  async disable(@CurrentPrincipal() admin: UserPrincipal, @Param('id') id: string): Promise<void> {
    await this.users.disable(parseOrThrow(userId, id, '/id'), { id: admin.userId, role: admin.role });
  }

  @Post(':id/enable')
  @HttpCode(204)
  async enable(@CurrentPrincipal() admin: UserPrincipal, @Param('id') id: string): Promise<void> {
    await this.users.enable(parseOrThrow(userId, id, '/id'), { id: admin.userId, role: admin.role });
  }
}
