import { parseOrThrow, validationProblem } from '@beacon/http';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { type AuthenticatedRequest, HotlineAuthGuard } from '../auth/hotline-auth.guard';
import { reportSchema } from './report.dto';
import { ReportsService } from './reports.service';

const idempotencyKeySchema = z.string().regex(/^[A-Za-z0-9._:-]{8,128}$/);

@Controller('v1/reports')
@UseGuards(HotlineAuthGuard)
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Post()
  @HttpCode(202)
  async submit(
    @Req() request: AuthenticatedRequest,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ) {
    if (idempotencyKey !== undefined && !idempotencyKeySchema.safeParse(idempotencyKey).success) {
      throw validationProblem([{ name: 'Idempotency-Key', reason: 'must be 8-128 characters of letters, digits, . _ : -' }]);
    }
    const report = parseOrThrow(reportSchema, body);
    return this.reports.accept(request.hotline!, report, idempotencyKey ?? null);
  }

  @Get(':id')
  async status(@Req() request: AuthenticatedRequest, @Param('id') id: string) {
    const reportId = parseOrThrow(z.uuid(), id, '/id');
    return this.reports.status(request.hotline!, reportId);
  }
}
