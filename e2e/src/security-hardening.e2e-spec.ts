import { startSecurityStack, type SecurityStack } from './security-stack';

const ALLOWED = 'https://console.beacon.example';
const FOREIGN = 'https://evil.example';

describe('hardening: headers, CORS allow-list, body limits and errors without internals on every service', () => {
  let stack: SecurityStack;

  beforeAll(async () => {
    stack = await startSecurityStack('sec_hardening', {
      consoleEnv: { CORS_ORIGINS: ALLOWED },
      intakeEnv: { CORS_ORIGINS: ALLOWED, BODY_LIMIT_BYTES: '4096' },
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const services = () => [stack.intake, stack.projector, stack.dispatcher, stack.console];

  it('sends the security headers on every answer of every service', async () => {
    for (const service of services()) {
      for (const path of ['/health/live', '/no/such/route']) {
        const response = await fetch(`${service.baseUrl}${path}`);
        await response.arrayBuffer();
        expect({ service: service.name, path, headers: pick(response.headers) }).toEqual({
          service: service.name,
          path,
          headers: {
            'x-content-type-options': 'nosniff',
            'x-frame-options': 'SAMEORIGIN',
            'strict-transport-security': expect.stringMatching(/max-age=\d+/),
            'cache-control': 'no-store',
            'referrer-policy': 'no-referrer',
            'cross-origin-resource-policy': 'same-origin',
          },
        });
        expect(response.headers.get('x-powered-by')).toBeNull();
      }
    }
  });

  it('lets only allow-listed browser origins call the console and intake', async () => {
    for (const service of [stack.console, stack.intake]) {
      const preflight = (origin: string) =>
        fetch(`${service.baseUrl}/v1/cases`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'authorization',
          },
        });
      const allowed = await preflight(ALLOWED);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      const foreign = await preflight(FOREIGN);
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    }
    // Services no browser calls allow no origin at all.
    const dispatcher = await fetch(`${stack.dispatcher.baseUrl}/health/live`, {
      headers: { origin: ALLOWED },
    });
    expect(dispatcher.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers an oversized or malformed body, and an unknown route, with problem+json and no stack trace', async () => {
    const post = (body: string) =>
      fetch(`${stack.intake.baseUrl}/v1/reports`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stack.hotlineKey}`,
          'content-type': 'application/json',
        },
        body,
      });
    const tooLarge = await post(JSON.stringify({ padding: 'x'.repeat(8_000) }));
    const malformed = await post('{"occurredAt": ');
    const login = await fetch(`${stack.console.baseUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username": [',
    });
    const unknown = await fetch(`${stack.console.baseUrl}/v1/nothing-here`);
    for (const [response, status] of [
      [tooLarge, 413],
      [malformed, 400],
      [login, 400],
      [unknown, 404],
    ] as const) {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const text = await response.text();
      expect(text).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\/dist\/|\.js:\d+/);
    }
  });
});

function pick(headers: Headers): Record<string, string | null> {
  const names = [
    'x-content-type-options',
    'x-frame-options',
    'strict-transport-security',
    'cache-control',
    'referrer-policy',
    'cross-origin-resource-policy',
  ];
  return Object.fromEntries(names.map((n) => [n, headers.get(n)]));
}
