import { CurrentPrincipal, UserAuthGuard, type UserPrincipal } from '@beacon/identity';
import { Controller, Get, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { type LiveEvent, sseFrame } from './live-events.mapper';
import { LiveFeedService } from './live-feed.service';

const HEARTBEAT_MS = 15_000;

/** Seconds since the epoch at which the (already verified) bearer token expires, if it says. */
export function tokenExpiry(authorization: string | undefined): number | null {
  const payload = /^Bearer\s+[^.]+\.([^.]+)\./i.exec(authorization ?? '')?.[1];
  if (!payload) return null;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

/**
 * Server-sent events for the console: `ready` once the feed is current, then `alert`,
 * `alert-closed` and `case` as they change, each only if the access policy lets this user see
 * it. The token goes in the Authorization header (never the URL); the stream ends when the
 * token expires, and the page reconnects with its refreshed one.
 */
@ApiTags('live')
@ApiBearerAuth()
@Controller('v1/live')
@UseGuards(UserAuthGuard)
export class LiveController {
  constructor(private readonly feed: LiveFeedService) {}

  @Get()
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary:
      'Live updates (server-sent events): alerts and cases as they change, filtered by the same access policy as the REST endpoints',
  })
  stream(
    @CurrentPrincipal() principal: UserPrincipal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): void {
    // The security headers set so far (helmet's), which a hijacked reply would otherwise lose.
    const headers = Object.fromEntries(
      Object.entries(reply.getHeaders()).filter(
        (entry): entry is [string, string | number | string[]] => entry[1] !== undefined,
      ),
    );
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      // Proxies must pass each event on at once.
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: 3000\n\n`);
    let open = true;
    const write = (text: string) => {
      if (open) raw.write(text);
    };
    const unsubscribe = this.feed.subscribe({
      principal,
      send: (event: LiveEvent) => write(sseFrame(event)),
      ready: () => write(sseFrame({ event: 'ready', data: { at: new Date().toISOString() } })),
    });
    const heartbeat = setInterval(() => write(`: keep-alive\n\n`), HEARTBEAT_MS);
    const exp = tokenExpiry(request.headers.authorization);
    const expiry = exp === null ? null : setTimeout(() => close(), Math.max(0, exp * 1000 - Date.now()));
    const close = () => {
      if (!open) return;
      open = false;
      clearInterval(heartbeat);
      if (expiry) clearTimeout(expiry);
      unsubscribe();
      raw.end();
    };
    // The response's 'close' is the client going away (the request's fires once it is read).
    raw.on('close', close);
  }
}
