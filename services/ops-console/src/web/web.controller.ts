import { ProblemException } from '@beacon/http';
import { Controller, Get, Logger, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { type FastifyReply } from 'fastify';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The console's own pages: scripts and styles only from this origin, nothing inline, API calls
 * only to this origin, never framed. The API's JSON answers need no policy (helmet leaves it off).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  type: string;
}

/** Reads every servable file of a folder once, at start-up: the set of files is fixed per build. */
export function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  for (const name of readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (type) assets.set(name, { body: readFileSync(path.join(dir, name)), type });
  }
  return assets;
}

const notFound = () =>
  new ProblemException(404, 'not-found', 'Not found', 'No such page or file in the console.');

/** Serves the web console: the page, its styles, its compiled scripts and the message catalogues. */
@ApiExcludeController()
@Controller()
export class WebController {
  private readonly files: Map<string, Asset>;
  private readonly catalogues: Map<string, Asset>;

  constructor() {
    // Compiled scripts land beside the copied page in dist/ (see tools/build.mjs).
    this.files = new Map([
      ...loadAssets(path.join(__dirname, 'public')),
      ...loadAssets(path.join(__dirname, 'client')),
    ]);
    this.catalogues = loadAssets(path.join(__dirname, 'public', 'i18n'));
    if (!this.files.has('index.html') || !this.files.has('main.js')) {
      new Logger(WebController.name).warn('web console assets missing: build with tools/build.mjs');
    }
  }

  @Get()
  root(@Res() reply: FastifyReply): void {
    void reply.redirect('/console', 302);
  }

  @Get('console')
  index(@Res() reply: FastifyReply): void {
    this.send(reply, this.files.get('index.html'));
  }

  @Get('console/i18n/:file')
  catalogue(@Param('file') file: string, @Res() reply: FastifyReply): void {
    this.send(reply, this.catalogues.get(file));
  }

  @Get('console/:file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply): void {
    this.send(reply, this.files.get(file));
  }

  private send(reply: FastifyReply, asset: Asset | undefined): void {
    if (!asset) throw notFound();
    void reply.header('content-security-policy', CONSOLE_CSP).type(asset.type).send(asset.body);
  }
}
