import { parseOrThrow, validationProblem } from '@beacon/http';
import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import { z } from 'zod';
import {
  type AuthenticatedRequest,
  HotlineAuthGuard,
  principalOf,
} from '../auth/hotline-auth.guard';
import { RateLimitGuard } from '../auth/rate-limit.guard';
import { JsonBodyGuard } from './json-body.guard';
import { type ReportInput, batchInputSchema, reportInputSchema } from './report.dto';
import { ReportsService } from './reports.service';

export const idempotencyKeySchema = z.string().regex(/^[A-Za-z0-9._:-]{8,128}$/);

function idempotencyKeyOf(header: string | undefined): string | null {
  if (header === undefined) return null;
  if (!idempotencyKeySchema.safeParse(header).success) {
    throw validationProblem([
      { name: 'Idempotency-Key', reason: 'must be 8-128 characters of letters, digits, . _ : -' },
    ]);
  }
  return header;
}

@Controller('v1/reports')
@UseGuards(HotlineAuthGuard, RateLimitGuard)
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Post()
  @UseGuards(JsonBodyGuard)
  @HttpCode(202)
  submit(
    @Req() request: AuthenticatedRequest,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
  ) {
    const idempotencyKey = idempotencyKeyOf(key);
    return this.reports.acceptOne(
      principalOf(request),
      parseOrThrow(reportInputSchema, body) as ReportInput,
      idempotencyKey,
    );
  }

  @Post('batch')
  @UseGuards(JsonBodyGuard)
  @HttpCode(202)
  submitBatch(
    @Req() request: AuthenticatedRequest,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
  ) {
    const idempotencyKey = idempotencyKeyOf(key);
    const { reports } = parseOrThrow(batchInputSchema, body);
    return this.reports.acceptBatch(principalOf(request), reports as ReportInput[], idempotencyKey);
  }

  @Get(':id')
  status(@Req() request: AuthenticatedRequest, @Param('id') id: string) {
    return this.reports.status(principalOf(request), parseOrThrow(z.uuid(), id, '/id'));
  }
}
