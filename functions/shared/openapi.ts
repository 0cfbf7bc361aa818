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
  security: [{ apiKey: [] }, { bearer: [] }, { basic: [] }] as Array<Record<string, string[]>>,
  responses: {
    '401': error('No API key in x-api-key or Authorization (unauthorized).'),
    '403': error('An unknown or disabled key, or a key whose scope does not cover this call (forbidden).'),
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

const bytes = (mediaTypes: string[], description: string) => ({
  required: true,
  description,
  content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: z.string().meta({ format: 'binary' }) }])),
});
const text = (description: string) => ({ description, content: { 'text/plain': { schema: z.string() } } });
const shipperDoc = 'docs/API.md, "Shippers", says how each record becomes an event and which id makes a retry the same event.';

/** The shippers' protocols: their bodies and answers are the protocols' own, described here by media type. */
function shipperPaths() {
  const post = (summary: string, mediaTypes: string[], responses: Record<string, unknown>) => ({
    post: {
      summary,
      description: `${shipperDoc} Content-Encoding gzip or deflate is taken; the expanded body is limited to ${limits.maxBodyBytes} bytes.`,
      ...keyed,
      requestBody: bytes(mediaTypes, summary),
      responses: {
        ...keyed.responses,
        '413': { description: 'The body (or what it expands to) is over the limit.' },
        '415': { description: 'A content type the protocol does not define.' },
        '503': { description: 'Not every record is known to be enqueued: retry the whole request (Retry-After).' },
        ...responses,
      },
    },
  });
  const otlpAnswer = {
    'application/json': { schema: z.looseObject({}) },
    'application/x-protobuf': { schema: z.string().meta({ format: 'binary' }) },
  };
  const bulkAnswer = {
    description: 'One item per action, in order: created (201), or refused with a reason (400).',
    ...json(z.looseObject({ took: z.number(), errors: z.boolean(), items: z.array(z.looseObject({})) })),
  };
  const hecAnswer = (description: string) => ({ description, ...json(z.object({ text: z.string(), code: z.number() })) });
  return {
    '/v1/logs': post('OTLP/HTTP logs (ExportLogsServiceRequest)', ['application/x-protobuf', 'application/json'], {
      '200': { description: 'Stored; partialSuccess names how many records were refused and why.', content: otlpAnswer },
      '400': { description: 'Not an ExportLogsServiceRequest (google.rpc.Status).', content: otlpAnswer },
    }),
    '/loki/api/v1/push': post('Loki push (snappy-compressed PushRequest, or JSON)', ['application/x-protobuf', 'application/json'], {
      '204': { description: 'Every entry stored.' },
      '400': text('Malformed, or some entries refused (the others are stored); the text says which.'),
    }),
    '/_bulk': post('Elasticsearch bulk (NDJSON)', ['application/x-ndjson', 'application/json'], { '200': bulkAnswer }),
    '/{index}/_bulk': {
      post: {
        ...post('Elasticsearch bulk into an index (NDJSON)', ['application/x-ndjson', 'application/json'], { '200': bulkAnswer }).post,
        requestParams: { path: z.object({ index: z.string() }) },
      },
    },
    '/services/collector/event': post('Splunk HTTP Event Collector (JSON events one after another)', ['application/json'], {
      '200': hecAnswer('{"text":"Success","code":0}'),
      '400': hecAnswer('Refused whole, with HEC’s code and invalid-event-number.'),
    }),
    '/services/collector': post('Splunk HTTP Event Collector (as /services/collector/event)', ['application/json'], {
      '200': hecAnswer('{"text":"Success","code":0}'),
      '400': hecAnswer('Refused whole, with HEC’s code and invalid-event-number.'),
    }),
  };
}

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
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer', description: 'The API key as the token (also `Splunk <key>` and `ApiKey <key>`).' },
          basic: { type: 'http', scheme: 'basic', description: 'The API key as the password (or as the user with no password).' },
        },
      },
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
        ...shipperPaths(),
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
