import { TokensService } from '@beacon/identity';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export const DOCS_PATH = 'docs';

export function openApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Beacon ops console')
    .setDescription(
      'Case read models for officers, legal-aid partners, ops and admins: cases, timelines, incidents, counts, ' +
        'identity reads (audited) and the audit log. Cases are pseudonymous: a person appears only as a person ' +
        'reference until an authorised identity read. Log in at /v1/auth/login (password, then TOTP where the role ' +
        'needs it) or /v1/auth/oidc/start, and send the access token as a bearer token. What each role may do is ' +
        'decided per endpoint and per case by the access policy (docs/security.md).',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}

/**
 * Serves the OpenAPI document at /docs/json and its viewer at /docs. Like every other endpoint
 * (health and login excepted) they need a signed-in user: the description names every field.
 */
export function setupOpenApi(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const tokens = app.get(TokensService);
  fastify.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path !== `/${DOCS_PATH}` && !path.startsWith(`/${DOCS_PATH}/`)) return;
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (
      token &&
      (await tokens.verifyAccessToken(token).then(
        () => true,
        () => false,
      ))
    )
      return;
    await reply
      .status(401)
      .header('www-authenticate', 'Bearer realm="beacon-console"')
      .type('application/problem+json')
      .send({
        type: 'https://beacon.example/problems/unauthenticated',
        title: 'Authentication required',
        status: 401,
        detail:
          'Log in at /v1/auth/login and send the access token as `Authorization: Bearer <token>`.',
        instance: path,
      });
  });
  SwaggerModule.setup(DOCS_PATH, app, openApiDocument(app), {
    jsonDocumentUrl: `${DOCS_PATH}/json`,
    yamlDocumentUrl: `${DOCS_PATH}/yaml`,
  });
}
