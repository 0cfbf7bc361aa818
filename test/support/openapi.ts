import { Ajv2020 } from 'ajv/dist/2020.js';
import { openApiDocument } from '../../functions/shared/openapi.ts';

/** The API's own description, the one GET /openapi.json serves. */
export const document = openApiDocument();

// Response schemas are JSON Schema 2020-12 inside the document; refs between them resolve within it.
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(document as object, 'openapi');
const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/**
 * Checks an answer of the deployed API against its description: the operation must document the
 * status, and the body must match that status's schema. Paths and methods the API does not
 * describe (the JSON 404 fallback, a method an endpoint refuses) are not checked here.
 */
export function expectDocumented(method: string, url: string, status: number, body: unknown): void {
  const path = new URL(url, 'http://x').pathname;
  const operation = (document.paths as Record<string, Record<string, { responses: Record<string, { content?: object }> }>> | undefined)?.[
    path
  ]?.[method.toLowerCase()];
  if (!operation) return;
  const response = operation.responses[String(status)];
  if (!response) throw new Error(`${method} ${path} answered ${status}, which the OpenAPI description does not list`);
  if (!response.content) return;
  const validate = ajv.getSchema(
    `openapi#/${pointer('paths', path, method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema')}`,
  );
  if (!validate) throw new Error(`no schema for ${method} ${path} ${status}`);
  if (isEmulatorThrottle(status, body)) return;
  if (!validate(body))
    throw new Error(`${method} ${path} ${status} does not match the OpenAPI description: ${ajv.errorsText(validate.errors)}`);
}

/**
 * MiniStack answers a request to a function at its reserved concurrency itself, with 429 and its
 * own body; AWS answers idemlog's documented 503 `unavailable` (the INTEGRATION_FAILURE gateway
 * response in infra/api.yml, checked on the template). Only that answer of the emulator's is let through.
 */
function isEmulatorThrottle(status: number, body: unknown): boolean {
  return (
    status === 429 &&
    typeof body === 'object' &&
    body !== null &&
    !('error' in body) &&
    /rate exceeded|concurrency/i.test(JSON.stringify(body))
  );
}
