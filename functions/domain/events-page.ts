import { hash } from 'node:crypto';
import { z } from 'zod';
import type { EventsPage, StoredEvent } from './api-schemas.ts';
import { InvalidQueryError } from './errors.ts';
import { nameParameter } from './event.ts';
import { limits } from './limits.ts';
import { type Lane, mergeLanes, type Order } from './timeline.ts';
import { parseTimestamp, timestampRule } from './timestamp.ts';

/** Time keys start with the sortable timestamp (years 0001-9999), so these sort below and above every one of them. */
const lowestKey = '0';
const highestKey = '~';
/** A time key is "<sortable timestamp>#<base64url hash>": "~" sorts after every hash character. */
const afterEveryHash = '#~';

export interface KeyRange {
  /** Inclusive bounds on the time key. */
  lower: string;
  upper: string;
}

export interface EventStore {
  /** The lanes of one topic's timeline, or of every topic's; each yields entries in `order` within `range`, of `source` if given. */
  lanes(topic: string | undefined, range: KeyRange, order: Order, source: string | undefined, signal?: AbortSignal): Lane[];
  /** Stored events by table key. */
  readEvents(ids: string[], signal?: AbortSignal): Promise<Map<string, StoredEvent>>;
}

const name = nameParameter;
/** A bound, in the sortable form that time keys start with, so it compares to the nanosecond. */
const instant = z
  .string()
  .transform((value, ctx) => {
    const parsed = parseTimestamp(value);
    if (parsed.ok) return parsed.value.sortable;
    ctx.addIssue({ code: 'custom', message: parsed.problem });
    return z.NEVER;
  })
  .meta({ override: { type: 'string', format: 'date-time', description: timestampRule } });

export const eventsQuerySchema = z
  .strictObject(
    {
      topic: name.optional(),
      source: name.optional(),
      since: instant.optional(),
      until: instant.optional(),
      order: z.enum(['asc', 'desc']).optional(),
      limit: z
        .string()
        .regex(/^\d{1,4}$/, `must be a whole number from 1 to ${limits.maxPageSize}`)
        .transform(Number)
        .pipe(z.number().min(1, 'must be at least 1').max(limits.maxPageSize, `must be at most ${limits.maxPageSize}`))
        .default(limits.defaultPageSize),
      cursor: z.string().min(1).max(2048).optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? 'unknown query parameter' : undefined) },
  )
  .refine((q) => q.since === undefined || q.until === undefined || q.since <= q.until, {
    message: 'since must not be later than until',
    path: ['since'],
  });

export type EventsQuery = z.output<typeof eventsQuerySchema>;

/** Validates /events query parameters; an unknown parameter is an error, not ignored. */
export function parseEventsQuery(params: Record<string, string | undefined> | null): EventsQuery {
  const result = eventsQuerySchema.safeParse(params ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: key, message: issue.message }))
      : [{ path: issue.path.join('.'), message: issue.message }],
  );
  throw new InvalidQueryError('invalid query parameters', details);
}

/** With a topic, oldest first (its history); across topics, newest first (what just happened). */
const orderOf = (query: EventsQuery): Order => query.order ?? (query.topic === undefined ? 'desc' : 'asc');

/** What a cursor is bound to: the same filters and order, or it is refused. */
function filtersOf(query: EventsQuery): string {
  const filters = [query.topic ?? null, query.source ?? null, query.since ?? null, query.until ?? null, orderOf(query)];
  return hash('sha256', JSON.stringify(filters), 'base64url').slice(0, 16);
}

/** A time key as the store writes it: a sortable timestamp and 22 characters of a hash. */
const cursorSchema = z.object({ f: z.string(), k: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z#[A-Za-z0-9_-]{22}$/) });

const encodeCursor = (query: EventsQuery, after: string) =>
  Buffer.from(JSON.stringify({ f: filtersOf(query), k: after })).toString('base64url');

function resumeAfterOf(query: EventsQuery): string | undefined {
  if (query.cursor === undefined) return undefined;
  let cursor: z.infer<typeof cursorSchema>;
  try {
    cursor = cursorSchema.parse(JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidQueryError('cursor is not valid; pass next_cursor from the previous page unchanged', [
      { path: 'cursor', message: 'not a cursor this API issued' },
    ]);
  }
  if (cursor.f !== filtersOf(query)) {
    throw new InvalidQueryError('cursor belongs to another query; keep topic, source, since, until and order the same while paging', [
      { path: 'cursor', message: 'issued for other filters' },
    ]);
  }
  return cursor.k;
}

/** The key range a page reads: since and until both inclusive, to the nanosecond, past the cursor. */
function rangeOf(query: EventsQuery, order: Order, after: string | undefined): KeyRange {
  // "<since>" sorts just before the first key at `since`, "<until>#~" just after the last key at `until`.
  let lower = query.since ?? lowestKey;
  let upper = query.until === undefined ? highestKey : `${query.until}${afterEveryHash}`;
  if (after !== undefined) {
    if (order === 'asc' && after > lower) lower = after;
    if (order === 'desc' && after < upper) upper = after;
  }
  return { lower, upper };
}

/**
 * One page of stored events: merged from the timeline's lanes, at most `limit` events and at most
 * limits.maxPageBytes of them, so a page of big events has fewer events and a cursor. No Scan, and
 * the number of queries does not depend on the number of topics.
 */
export async function readEventsPage(query: EventsQuery, store: EventStore, signal?: AbortSignal): Promise<EventsPage> {
  const order = orderOf(query);
  const after = resumeAfterOf(query);
  const range = rangeOf(query, order, after);
  const empty = { topic: query.topic ?? null, count: 0, events: [], next_cursor: null };
  if (range.lower > range.upper) return empty;
  const lanes = store.lanes(query.topic, range, order, query.source, signal).map(
    (lane): Lane => ({
      // The cursor's own key is inside the inclusive range: it was on the previous page.
      read: async (max) => {
        const read = await lane.read(max);
        return { ...read, entries: read.entries.filter((entry) => entry.key !== after) };
      },
    }),
  );
  const merged = await mergeLanes(lanes, order, {
    limit: query.limit,
    maxBytes: limits.maxPageBytes,
    maxScanned: limits.maxEntriesScannedPerPage,
  });
  const bodies = await store.readEvents(
    merged.entries.map((entry) => entry.id),
    signal,
  );
  // An event whose retention expired between the index read and this one is gone: leave it out.
  const events = merged.entries.flatMap((entry) => bodies.get(entry.id) ?? []);
  return {
    topic: query.topic ?? null,
    count: events.length,
    events,
    next_cursor: merged.resumeAfter === undefined ? null : encodeCursor(query, merged.resumeAfter),
  };
}
