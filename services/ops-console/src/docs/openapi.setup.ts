import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { authenticate } from '../auth/console-auth.guard';
import { type ConsoleConfig } from '../console.config';

export const DOCS_PATH = 'docs';

export function openApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Beacon ops console')
    .setDescription(
      'Case read models for officers and dashboards: cases, timelines, incidents and counts. Cases are pseudonymous: ' +
        'a person appears only as a person reference. Every endpoint needs a console API key.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}

/**
 * Serves the OpenAPI document at /docs/json and its viewer at /docs. Like every other endpoint
 * (health excepted) they require a console key: the description names every field officers see.
 */
export function setupOpenApi(app: NestFastifyApplication, config: ConsoleConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path !== `/${DOCS_PATH}` && !path.startsWith(`/${DOCS_PATH}/`)) return;
    if (authenticate(config.CONSOLE_API_KEYS, request.headers.authorization) !== null) return;
    await reply
      .status(401)
      .header('www-authenticate', 'Bearer realm="beacon-console"')
      .type('application/problem+json')
      .send({
        type: 'https://beacon.example/problems/unauthenticated',
        title: 'Authentication required',
        status: 401,
        detail: 'Send a console API key as `Authorization: Bearer <key>`.',
        instance: path,
      });
  });
  SwaggerModule.setup(DOCS_PATH, app, openApiDocument(app), { jsonDocumentUrl: `${DOCS_PATH}/json`, yamlDocumentUrl: `${DOCS_PATH}/yaml` });
}
