import { httpHandler, NotFoundError } from '../shared/http.ts';

const endpoints = ['POST /publish', 'GET /events', 'GET /stats', 'GET /health', 'GET /openapi.json'];
const anyMethod = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** Catches every path no function serves, so that clients get a JSON 404 instead of the gateway's 403. */
export const handler = httpHandler(anyMethod, async (event) => {
  throw new NotFoundError(`no endpoint at ${event.path}; idemlog serves ${endpoints.join(', ')}`);
});
