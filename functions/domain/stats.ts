import { z } from 'zod';
import type { QueueDepth, Stats } from './api-schemas.ts';
import { type Counts, toCountsBody } from './counts.ts';
import { InvalidQueryError } from './errors.ts';
import { nameParameter as topicName } from './event.ts';
import { limits } from './limits.ts';

export interface Totals {
  counts: Counts;
  rejected: number;
  lastProcessedAt?: string;
}

/** Where a topic page stopped: topics are listed partition by partition, by name within each. */
export interface TopicPosition {
  partition: number;
  topic: string;
}

export interface CounterStore {
  readTotals(signal?: AbortSignal): Promise<Totals>;
  readTopic(topic: string, signal?: AbortSignal): Promise<Counts | undefined>;
  readTopicPage(
    limit: number,
    after: TopicPosition | undefined,
    signal?: AbortSignal,
  ): Promise<{ topics: Array<[string, Counts]>; next?: TopicPosition }>;
}

export const statsQuerySchema = z.strictObject(
  {
    topic: topicName.optional(),
    topics_limit: z
      .string()
      .regex(/^\d{1,4}$/, `must be a whole number from 0 to ${limits.maxTopicsPerStatsPage}`)
      .transform(Number)
      .pipe(z.number().max(limits.maxTopicsPerStatsPage, `must be at most ${limits.maxTopicsPerStatsPage}`))
      .default(limits.defaultTopicsPerStatsPage),
    topics_cursor: z.string().min(1).max(2048).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? 'unknown query parameter' : undefined) },
);

export type StatsQuery = z.output<typeof statsQuerySchema>;

export function parseStatsQuery(params: Record<string, string | undefined> | null): StatsQuery {
  const result = statsQuerySchema.safeParse(params ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: key, message: issue.message }))
      : [{ path: issue.path.join('.'), message: issue.message }],
  );
  throw new InvalidQueryError('invalid query parameters', details);
}

const positionSchema = z.object({ partition: z.number().int().min(0).max(1_000_000), topic: topicName });

const encodePosition = (position: TopicPosition) => Buffer.from(JSON.stringify(position)).toString('base64url');

function decodePosition(text: string): TopicPosition {
  try {
    return positionSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidQueryError('topics_cursor is not valid; pass topics_next_cursor from the previous answer unchanged', [
      { path: 'topics_cursor', message: 'not a cursor this API issued' },
    ]);
  }
}

export interface StatsSources {
  counters: CounterStore;
  queueDepth: (signal?: AbortSignal) => Promise<QueueDepth>;
  startedAt: (signal?: AbortSignal) => Promise<Date | undefined>;
  now?: () => Date;
}

/**
 * Totals, the queue and one page of topics (or the one topic asked for). The totals never need
 * the topic items, so /stats costs the same with ten topics or a million.
 */
export async function readStats(query: StatsQuery, sources: StatsSources, signal?: AbortSignal): Promise<Stats> {
  const topicsRead = async (): Promise<{ topics: Array<[string, Counts]>; next?: TopicPosition }> => {
    if (query.topic !== undefined) {
      const counts = await sources.counters.readTopic(query.topic, signal);
      return { topics: counts ? [[query.topic, counts]] : [] };
    }
    if (query.topics_limit === 0) return { topics: [] };
    const after = query.topics_cursor === undefined ? undefined : decodePosition(query.topics_cursor);
    return sources.counters.readTopicPage(query.topics_limit, after, signal);
  };
  const [totals, page, queue, startedAt] = await Promise.all([
    sources.counters.readTotals(signal),
    topicsRead(),
    sources.queueDepth(signal),
    sources.startedAt(signal),
  ]);
  const now = (sources.now ?? (() => new Date()))();
  return {
    ...toCountsBody(totals.counts),
    rejected: totals.rejected,
    topics: Object.fromEntries(page.topics.map(([topic, counts]) => [topic, toCountsBody(counts)])),
    topics_next_cursor: page.next ? encodePosition(page.next) : null,
    queue,
    started_at: startedAt?.toISOString() ?? null,
    uptime_seconds: startedAt ? Math.max(0, Math.floor((now.getTime() - startedAt.getTime()) / 1000)) : 0,
    last_processed_at: totals.lastProcessedAt ?? null,
  };
}

/**
 * Remembers a lookup's answer once it has one. A failure is never remembered: the next call asks
 * again, so one failed call cannot break every later request of a container. Callers share one
 * lookup while it runs, so it is bound by no caller's deadline (the SDK's own timeouts end it);
 * each caller waits for it only until its own signal aborts.
 */
export function rememberSuccess<T>(lookup: (signal?: AbortSignal) => Promise<T>): (signal?: AbortSignal) => Promise<T> {
  let remembered: Promise<T> | undefined;
  return (signal) => {
    if (!remembered) {
      const attempt = lookup();
      remembered = attempt;
      attempt.catch(() => {
        if (remembered === attempt) remembered = undefined;
      });
    }
    return signal ? untilAborted(remembered, signal) : remembered;
  };
}

/** `promise`, or the signal's reason once it aborts, whichever comes first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
