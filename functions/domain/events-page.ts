import { z } from 'zod';
import { InvalidQueryError } from '../shared/errors.ts';
import type { StoredEvent } from './event.ts';
import { limits } from './limits.ts';

export interface TimelineRange {
  order: 'asc' | 'desc';
  /** Exclusive in ascending order; in descending order, `inclusive` says whether the key itself is included. */
  bound?: { key: string; inclusive: boolean };
}

export interface TimelineEntry {
  timeKey: string;
  event: StoredEvent;
}

export interface EventReader {
  topics(): Promise<string[]>;
  timeline(topic: string, range: TimelineRange, limit: number): Promise<TimelineEntry[]>;
}

export interface EventsQuery {
  topic?: string;
  limit: number;
  cursor?: string;
}

export interface EventsPage {
  topic: string | null;
  count: number;
  events: StoredEvent[];
  next_cursor: string | null;
}

const querySchema = z.object({
  topic: z.string().min(1).max(limits.maxFieldChars).optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, `must be a whole number from 1 to ${limits.maxPageSize}`)
    .transform(Number)
    .pipe(z.number().min(1, `must be at least 1`).max(limits.maxPageSize, `must be at most ${limits.maxPageSize}`))
    .default(limits.defaultPageSize),
  cursor: z.string().min(1).max(2048).optional(),
});

/** Validates /events query parameters; unknown parameters are ignored. */
export function parseEventsQuery(params: Record<string, string | undefined> | null): EventsQuery {
  const result = querySchema.safeParse(params ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  throw new InvalidQueryError('invalid query parameters', details);
}

const cursorSchema = z.object({ t: z.string().nullable(), k: z.string(), p: z.string() });
type Cursor = z.infer<typeof cursorSchema>;

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

function decodeCursor(text: string, topic: string | undefined): Cursor {
  let cursor: Cursor;
  try {
    cursor = cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidQueryError('cursor is not valid; pass next_cursor from the previous page unchanged', [
      { path: 'cursor', message: 'not a cursor this API issued' },
    ]);
  }
  if (cursor.t !== (topic ?? null)) {
    throw new InvalidQueryError('cursor belongs to another query; keep the same topic while paging', [
      { path: 'cursor', message: 'topic mismatch' },
    ]);
  }
  return cursor;
}

/**
 * One page of stored events. With a topic: that topic, oldest first. Without: the most recent
 * events across all topics, newest first, merged from each topic's timeline (topics come from
 * the counters, so no request scans the table).
 */
export async function readEventsPage(query: EventsQuery, reader: EventReader): Promise<EventsPage> {
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.topic);
  const wanted = query.limit + 1;
  let entries: Array<TimelineEntry & { topic: string }>;
  if (query.topic !== undefined) {
    const topic = query.topic;
    const bound = cursor ? { key: cursor.k, inclusive: false } : undefined;
    entries = (await reader.timeline(topic, { order: 'asc', bound }, wanted)).map((e) => ({ ...e, topic }));
  } else {
    const topics = await reader.topics();
    if (topics.length > limits.maxTopicsWithoutFilter) {
      throw new InvalidQueryError(
        `there are ${topics.length} topics; reading all of them at once is limited to ${limits.maxTopicsWithoutFilter}: pass ?topic=`,
        [{ path: 'topic', message: `required when there are more than ${limits.maxTopicsWithoutFilter} topics` }],
      );
    }
    // Newest first, ties broken by topic descending: after (k, p), topics below p may repeat k.
    const perTopic = await mapLimited(topics, 32, async (topic) => {
      const bound = cursor ? { key: cursor.k, inclusive: topic < cursor.p } : undefined;
      return (await reader.timeline(topic, { order: 'desc', bound }, wanted)).map((e) => ({ ...e, topic }));
    });
    entries = perTopic.flat().sort((a, b) => compareDesc(a.timeKey, b.timeKey) || compareDesc(a.topic, b.topic));
  }
  const page = entries.slice(0, query.limit);
  const last = page.at(-1);
  const next_cursor =
    entries.length > query.limit && last ? encodeCursor({ t: query.topic ?? null, k: last.timeKey, p: last.topic }) : null;
  return { topic: query.topic ?? null, count: page.length, events: page.map((e) => e.event), next_cursor };
}

const compareDesc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

/** Like Promise.all over items.map(fn), with at most `width` calls in flight. */
async function mapLimited<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return results;
}
