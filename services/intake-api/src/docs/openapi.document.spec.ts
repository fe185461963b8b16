import { FACT_TYPES, reportInputSchema } from '../reports/report.dto';
import { EXAMPLE_REPORT, openApiDocument } from './openapi.document';

interface Operation {
  security?: unknown[];
  responses: Record<string, { content?: Record<string, unknown> }>;
}

describe(openApiDocument.name, () => {
  const sut = openApiDocument() as {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: {
      schemas: Record<
        string,
        {
          properties?: Record<
            string,
            { items?: { oneOf?: { properties: { type: { const: string } } }[] } }
          >;
        }
      >;
    };
  };

  it('describes every route of the service, and only /health without a key', () => {
    expect(sut.openapi).toBe('3.1.0');
    expect(Object.keys(sut.paths).sort()).toEqual([
      '/health/live',
      '/health/ready',
      '/v1/reports',
      '/v1/reports/batch',
      '/v1/reports/{id}',
    ]);
    for (const [path, operations] of Object.entries(sut.paths)) {
      for (const operation of Object.values(operations)) {
        expect([path, operation.security === undefined]).toEqual([
          path,
          !path.startsWith('/health'),
        ]);
      }
    }
  });

  it('takes the request schema from the zod schema that validates requests: one alternative per fact type', () => {
    const facts = sut.components.schemas.Report?.properties?.facts?.items?.oneOf ?? [];

    expect(facts.map((f) => f.properties.type.const)).toEqual([...FACT_TYPES]);
  });

  it('answers every error of the write routes as problem+json', () => {
    const post = sut.paths['/v1/reports']?.post;
    const errors = Object.entries(post?.responses ?? {}).filter(
      ([status]) => Number(status) >= 400,
    );

    expect(errors.map(([status]) => status)).toEqual([
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '422',
      '429',
    ]);
    for (const [, response] of errors)
      expect(Object.keys(response.content ?? {})).toEqual(['application/problem+json']);
  });

  it('shows an example that the API accepts', () => {
    expect(reportInputSchema.safeParse(EXAMPLE_REPORT).success).toBe(true);
  });
});
