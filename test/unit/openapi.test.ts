import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../functions/shared/openapi.ts';

describe('the OpenAPI description', () => {
  it('is a valid OpenAPI 3.1 document by a standard validator', async () => {
    const document = openApiDocument();
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every endpoint, its key, and the event from the same schema publish validates with', () => {
    const document = openApiDocument();
    // Every route serverless.yml declares, but the console's page and the JSON 404.
    const routes = [...readFileSync('serverless.yml', 'utf8').matchAll(/- http: \{ path: '?([^,']+)'?,/g)]
      .map(([, path]) => `/${path!.replace(/^\//, '')}`)
      .filter((path) => path !== '/' && path !== '/{proxy+}');
    expect(Object.keys(document.paths ?? {}).sort()).toEqual([...new Set(routes)].sort());
    expect(document.paths?.['/publish']?.post?.security).toEqual([{ apiKey: [] }, { bearer: [] }, { basic: [] }]);
    expect(Object.keys(document.paths?.['/v1/logs']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '401', '403', '429', '503']),
    );
    expect(document.paths?.['/health']?.get?.security).toBeUndefined();
    const event = document.components?.schemas?.Event as { required: string[]; additionalProperties: boolean };
    expect(event.required).toEqual(['topic', 'event_id', 'timestamp', 'source']);
    expect(event.additionalProperties).toBe(false);
  });
});
