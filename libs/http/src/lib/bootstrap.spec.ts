import { Controller, Get, Module } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from './bootstrap';

@Controller('things')
class ThingsController {
  @Get('ok')
  ok() {
    return { ok: true };
  }

  @Get('boom')
  boom(): never {
    throw new Error('database password is hunter2');
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

describe(createHttpApp.name, () => {
  let sut: NestFastifyApplication;

  beforeAll(async () => {
    sut = await createHttpApp(ThingsModule, { corsOrigins: ['https://console.beacon.example'] });
    sut.useLogger(false);
    await sut.init();
    await sut.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await sut.close();
  });

  const inject = (url: string, headers: Record<string, string> = {}) =>
    sut.getHttpAdapter().getInstance().inject({ method: 'GET', url, headers });

  it('sets security headers on every answer', async () => {
    const response = await inject('/things/ok');
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringContaining('max-age='),
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
  });

  it('allows browser calls only from listed origins', async () => {
    const allowed = await inject('/things/ok', { origin: 'https://console.beacon.example' });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://console.beacon.example');
    const other = await inject('/things/ok', { origin: 'https://evil.example' });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers unexpected errors as problem+json without internals', async () => {
    const response = await inject('/things/boom');
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toEqual({ type: expect.stringContaining('/internal'), title: 'Internal error', status: 500, instance: '/things/boom' });
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('at ');
  });

  it('answers unknown routes as problem+json 404', async () => {
    const response = await inject('/nowhere');
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });
});
