import { z } from 'zod';
import { createDocument } from 'zod-openapi';
import {
  errorBodySchema,
  eventsPageSchema,
  healthSchema,
  healthUnavailableSchema,
  publishResultSchema,
  statsSchema,
} from '../domain/api-schemas.ts';
import { eventSchema } from '../domain/event.ts';
import { eventsQuerySchema } from '../domain/events-page.ts';
import { limits } from '../domain/limits.ts';
import { statsQuerySchema } from '../domain/stats.ts';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(errorBodySchema) });

/** What the gateway and the API key add to every operation that needs a key. */
const keyed = {
  security: [{ apiKey: [] }],
  responses: {
    '403': error('No API key, or not one of this API (invalid_api_key).'),
    '429': {
      description: 'Over the key’s rate, burst (throttled) or quota (quota_exceeded).',
      headers: z.object({ 'Retry-After': z.string() }),
      ...json(errorBodySchema),
    },
  },
};

const publishBody = z.union([eventSchema, z.array(eventSchema), z.strictObject({ events: z.array(eventSchema) })]).meta({
  description: `One event, an array, or {"events": [...]}. At most ${limits.maxEventsPerRequest} events, ${limits.maxBodyBytes} bytes, and ${limits.maxEventBytes} bytes per event. Unknown fields are refused.`,
});

/** The OpenAPI 3.1 description of the API, generated from the zod schemas that validate it. */
export function openApiDocument(serverUrl?: string) {
  return createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'idemlog',
        version: '1.0.0',
        description: 'A pub-sub log aggregator: each distinct (topic, event_id) is stored once and counted exactly.',
      },
      ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
      paths: {
        '/publish': {
          post: {
            summary: 'Publish events',
            ...keyed,
            requestParams: {
              query: z.object({
                wait: z
                  .string()
                  .regex(/^\d{1,2}$/)
                  .optional()
                  .meta({ description: `Seconds (0-${limits.maxWaitSeconds}) to wait for the events to be applied.` }),
              }),
              header: z.object({
                'Idempotency-Key': z
                  .string()
                  .max(limits.maxIdempotencyKeyChars + 2)
                  .optional()
                  .meta({ description: 'A quoted string or a bare token.' }),
                Prefer: z.string().optional().meta({ description: 'wait=<seconds>, as ?wait= (RFC 7240).' }),
              }),
            },
            requestBody: { required: true, ...json(publishBody) },
            responses: {
              ...keyed.responses,
              '200': { description: 'Every event applied (after a wait): each one stored or a duplicate.', ...json(publishResultSchema) },
              '202': { description: 'Every event is durably queued; with a wait, some are still pending.', ...json(publishResultSchema) },
              '400': error('Malformed JSON, a bad header or query parameter.'),
              '405': error('Only POST.'),
              '409': error('A request with the same Idempotency-Key is in flight.'),
              '413': error('Over a size limit.'),
              '415': error('Not JSON.'),
              '422': error(
                'An invalid event (every problem listed by index and path), a body that is not I-JSON (a repeated key, a number a double cannot hold, nesting past 64 levels), or an Idempotency-Key reused with another body.',
              ),
              '500': error('An unexpected error; it has been logged.'),
              '503': error(
                'Some events are not known to be enqueued (not_enqueued: each named in details, with enqueued "no" or "unknown"; re-send the whole body or exactly those events under the same Idempotency-Key), the request ran out of time (timed_out), or a dependency was briefly unavailable (unavailable); retry.',
              ),
            },
          },
        },
        '/events': {
          get: {
            summary: 'Read stored events',
            ...keyed,
            requestParams: { query: eventsQuerySchema },
            responses: {
              ...keyed.responses,
              '200': { description: `A page: at most limit events and ${limits.maxPageBytes} bytes.`, ...json(eventsPageSchema) },
              '400': error('A bad parameter or range, or a cursor of another query.'),
              '405': error('Only GET.'),
              '500': error('An unexpected error; it has been logged.'),
              '503': error('The request ran out of time; retry.'),
            },
          },
        },
        '/stats': {
          get: {
            summary: 'Exact counters',
            ...keyed,
            requestParams: { query: statsQuerySchema },
            responses: {
              ...keyed.responses,
              '200': { description: 'Totals, the queue, and a page of topics (or one topic).', ...json(statsSchema) },
              '400': error('A bad parameter or cursor.'),
              '405': error('Only GET.'),
              '500': error('An unexpected error; it has been logged.'),
              '503': error('The request ran out of time; retry.'),
            },
          },
        },
        '/health': {
          get: {
            summary: 'Whether the tables and the queue answer',
            responses: {
              '200': { description: 'Every dependency answers.', ...json(healthSchema) },
              '405': error('Only GET.'),
              '503': { description: 'A dependency does not answer.', ...json(healthUnavailableSchema) },
            },
          },
        },
        '/openapi.json': {
          get: {
            summary: 'This description',
            responses: {
              '200': {
                description: 'The OpenAPI 3.1 document.',
                content: { 'application/json': { schema: z.looseObject({ openapi: z.string() }) } },
              },
            },
          },
        },
      },
    },
    // The payload is checked in place by a custom check (to keep keys such as __proto__); its meta says it is an object.
    { allowEmptySchema: { custom: true } },
  );
}
