import { z } from 'zod';

/**
 * The API's answers, as zod schemas: the one source of the response types the code builds and of
 * the OpenAPI description (functions/shared/openapi.ts) the tests check every answer against.
 */
const count = z.number().int().min(0);

const countsBodySchema = z
  .object({ received: count, unique_processed: count, duplicate_dropped: count })
  .meta({ id: 'Counts', description: 'Events received, stored once, and dropped as duplicates.' });

const storedEventSchema = z
  .object({
    topic: z.string(),
    event_id: z.string(),
    timestamp: z.string().meta({ format: 'date-time', description: 'As published, normalised to UTC.' }),
    source: z.string(),
    payload: z.record(z.string(), z.unknown()),
    stored_at: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'StoredEvent' });

export const eventsPageSchema = z
  .object({
    topic: z.string().nullable(),
    count,
    events: z.array(storedEventSchema),
    next_cursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page; null on the last one.' }),
  })
  .meta({ id: 'EventsPage' });

const queueDepthSchema = z.object({ visible: count, in_flight: count, dead_letter: count }).meta({ id: 'QueueDepth' });

export const statsSchema = countsBodySchema
  .extend({
    rejected: count.meta({ description: 'Unreadable messages left for the DLQ, each body counted once.' }),
    topics: z.record(z.string(), countsBodySchema).meta({ description: 'One page of topics, or the one topic asked for.' }),
    topics_next_cursor: z.string().nullable(),
    queue: queueDepthSchema,
    started_at: z.string().nullable(),
    uptime_seconds: count,
    last_processed_at: z.string().nullable(),
  })
  .meta({ id: 'Stats' });

/** By position, not by name: an answer for 5,000 events with 256-character names would pass Lambda's 6 MB answer limit. */
const eventResultSchema = z.object({
  index: count.meta({ description: 'The event’s position in the request body.' }),
  outcome: z.enum(['stored', 'duplicate', 'pending']),
});

export const publishResultSchema = z
  .object({
    status: z.enum(['accepted', 'applied']),
    accepted: count,
    request_id: z.string(),
    events: z.array(eventResultSchema).optional().meta({ description: 'With a wait: each event’s outcome, in request order.' }),
  })
  .meta({ id: 'PublishResult' });

const checkResultSchema = z.object({
  status: z.enum(['ok', 'error']),
  latency_ms: count,
  message: z.string().optional(),
});

const errorDetailSchema = z.looseObject({ index: count.optional(), path: z.string().optional(), message: z.string() });

export const errorBodySchema = z
  .object({
    error: z.string().meta({ description: 'A stable code, e.g. validation_failed, invalid_api_key, throttled.' }),
    message: z.string(),
    details: z.array(errorDetailSchema),
    accepted: count.optional().meta({ description: 'not_enqueued: how many events of the request are known to be enqueued.' }),
    request_id: z.string().optional(),
  })
  .meta({ id: 'Error' });

export const healthSchema = z.object({ status: z.literal('ok'), checks: z.record(z.string(), checkResultSchema) }).meta({ id: 'Health' });

export const healthUnavailableSchema = errorBodySchema
  .extend({ status: z.literal('unavailable'), checks: z.record(z.string(), checkResultSchema) })
  .meta({ id: 'HealthUnavailable' });

export type CountsBody = z.infer<typeof countsBodySchema>;
export type StoredEvent = z.infer<typeof storedEventSchema>;
export type EventsPage = z.infer<typeof eventsPageSchema>;
export type QueueDepth = z.infer<typeof queueDepthSchema>;
export type Stats = z.infer<typeof statsSchema>;
export type EventResult = z.infer<typeof eventResultSchema>;
export type PublishResult = z.infer<typeof publishResultSchema>;
export type CheckResult = z.infer<typeof checkResultSchema>;
