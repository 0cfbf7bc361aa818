import { page, scriptHash } from 'console:page';
import { elasticInfo } from '../edge/protocols/elastic.ts';
import { headerOf, httpHandler, NotFoundError, reply } from '../shared/http.ts';
import { openApiDocument } from '../shared/openapi.ts';

// Built once per container: they depend only on the code.
const document = openApiDocument();
const consoleHeaders = {
  'content-type': 'text/html; charset=utf-8',
  // The page talks to this API only, and runs no script but its own.
  'content-security-policy': `default-src 'none'; script-src '${scriptHash}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

/**
 * GET / is the console, or for a client that asks for JSON and not HTML, the handshake an
 * Elasticsearch client makes before its first bulk request; GET /openapi.json the API's
 * description, generated from the schemas that validate it.
 */
export const handler = httpHandler(['GET', 'HEAD'], async (event) => {
  if (event.resource === '/openapi.json') return reply(200, document, { 'cache-control': 'public, max-age=300' });
  const accept = headerOf(event, 'accept') ?? '';
  if (event.resource === '/' && /json/i.test(accept) && !/text\/html/i.test(accept))
    return reply(200, elasticInfo, { 'x-elastic-product': 'Elasticsearch', vary: 'Accept' });
  // HEAD /: the health check of Elasticsearch clients (ping) and of Logstash.
  if (event.resource === '/' && event.httpMethod === 'HEAD')
    return { status: 200, body: '', headers: { 'x-elastic-product': 'Elasticsearch', vary: 'Accept' }, raw: true };
  if (event.resource === '/') return { status: 200, body: page, headers: { ...consoleHeaders, vary: 'Accept' }, raw: true };
  throw new NotFoundError(`no page at ${event.path}`);
});
