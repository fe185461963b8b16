import { parseOrThrow } from '@beacon/http';
import { Controller, Get, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ConsoleAuthGuard } from '../auth/console-auth.guard';
import { AlertDispatcherClient, type DispatcherAnswer } from './alert-dispatcher.client';

const listQuery = z.strictObject({
  status: z.enum(['open', 'resolved', 'superseded']).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

/**
 * Alerts as the dispatcher holds them, and acknowledgement from the console: "I have it",
 * recorded as the signed-in console user, via 'console'.
 */
@ApiTags('alerts')
@ApiBearerAuth()
@Controller('v1/alerts')
@UseGuards(ConsoleAuthGuard)
export class AlertsController {
  constructor(private readonly dispatcher: AlertDispatcherClient) {}

  @Get()
  @ApiOperation({
    summary: 'Alerts, newest first: ids, case references, urgency, tier, who acknowledged',
  })
  async list(
    @Query() query: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const filter = parseOrThrow(listQuery, query, '/query');
    const search = new URLSearchParams();
    if (filter.status) search.set('status', filter.status);
    if (filter.limit) search.set('limit', String(filter.limit));
    return relay(await this.dispatcher.call('GET', `/v1/alerts?${search.toString()}`), reply);
  }

  @Post(':alertId/acknowledge')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Acknowledge an alert (and the open alerts of its incident) as the console user; stops escalation',
  })
  @ApiParam({ name: 'alertId', format: 'uuid' })
  async acknowledge(
    @Param('alertId') alertId: string,
    @Req() request: FastifyRequest & { consoleUser?: string },
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const id = parseOrThrow(z.uuid(), alertId, '/alertId');
    return relay(
      await this.dispatcher.call('POST', `/v1/alerts/${id}/acknowledge`, {
        by: request.consoleUser,
        via: 'console',
      }),
      reply,
    );
  }
}

/** The dispatcher's answer as the console's own: same status, same body (problem+json included). */
function relay(answer: DispatcherAnswer, reply: FastifyReply): unknown {
  void reply.status(answer.status);
  if (answer.status >= 400) void reply.type('application/problem+json');
  return answer.body;
}
