import pMap from 'p-map';
import type { Stats } from '../../functions/domain/api-schemas.ts';
import type { CountsBody } from '../../functions/domain/counts.ts';
import { PollTimeoutError, pollUntil } from '../../functions/shared/retry.ts';
import { type ApiTarget, callApi } from './api-client.ts';
import type { WorkloadEvent } from './workload.ts';

export const countKeys = ['received', 'unique_processed', 'duplicate_dropped'] as const;

export interface Expected extends CountsBody {
  topics: Record<string, CountsBody>;
}

/** What /stats must show, as deltas, once the accepted events are processed (all of them new). */
export function expectedFrom(accepted: WorkloadEvent[]): Expected {
  const expected: Expected = { received: 0, unique_processed: 0, duplicate_dropped: 0, topics: {} };
  const seen = new Set<string>();
  for (const event of accepted) {
    expected.topics[event.topic] ??= { received: 0, unique_processed: 0, duplicate_dropped: 0 };
    const topic = expected.topics[event.topic]!;
    const key = JSON.stringify([event.topic, event.event_id]);
    const fresh = !seen.has(key);
    seen.add(key);
    for (const counts of [expected, topic]) {
      counts.received++;
      if (fresh) counts.unique_processed++;
      else counts.duplicate_dropped++;
    }
  }
  return expected;
}

async function getJson<T>(api: ApiTarget, path: string): Promise<T> {
  const response = await callApi(api, path);
  if (!response.ok) throw new Error(`GET ${path.split('?')[0]} answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as T;
  api.inspect?.('GET', path, response.status, body);
  return body;
}

/** Totals and the queue, without a topic page. */
export const fetchStats = (api: ApiTarget): Promise<Stats> => getJson<Stats>(api, '/stats?topics_limit=0');

/** These topics' counters (zero for a topic not seen yet): one by one when few, else by paging through every topic once. */
export async function fetchTopicCounts(api: ApiTarget, topics: string[]): Promise<Record<string, CountsBody>> {
  const zero = (): CountsBody => ({ received: 0, unique_processed: 0, duplicate_dropped: 0 });
  const counts: Record<string, CountsBody> = {};
  if (topics.length <= 64) {
    await pMap(
      topics,
      async (topic) => {
        const stats = await getJson<Stats>(api, `/stats?topic=${encodeURIComponent(topic)}`);
        counts[topic] = stats.topics[topic] ?? zero();
      },
      { concurrency: 8 },
    );
    return counts;
  }
  const wanted = new Set(topics);
  let cursor: string | null = null;
  do {
    const page: Stats = await getJson<Stats>(
      api,
      `/stats?topics_limit=1000${cursor ? `&topics_cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    for (const [topic, topicCounts] of Object.entries(page.topics)) if (wanted.has(topic)) counts[topic] = topicCounts;
    cursor = page.topics_next_cursor;
  } while (cursor);
  for (const topic of topics) counts[topic] ??= zero();
  return counts;
}

export interface Snapshot {
  totals: Stats;
  topics: Record<string, CountsBody>;
}

export const topicsOf = (requests: WorkloadEvent[][]) => [...new Set(requests.flat().map((event) => event.topic))];

/** Totals and these topics' counters, to compare against later. */
export async function snapshot(api: ApiTarget, topics: string[]): Promise<Snapshot> {
  const [totals, topicCounts] = await Promise.all([fetchStats(api), fetchTopicCounts(api, topics)]);
  return { totals, topics: topicCounts };
}

const minus = (a: CountsBody, b: CountsBody): CountsBody => ({
  received: a.received - b.received,
  unique_processed: a.unique_processed - b.unique_processed,
  duplicate_dropped: a.duplicate_dropped - b.duplicate_dropped,
});

export interface DrainResult {
  converged: boolean;
  timedOut: boolean;
  drainMs: number;
  observed: Expected;
  mismatches: string[];
  final: Stats;
}

/**
 * Polls /stats until the counters have grown by what was sent and the queue is empty, then
 * compares every figure exactly: totals and each topic.
 */
export async function waitForConvergence(
  api: ApiTarget,
  before: Snapshot,
  expected: Expected,
  options: {
    timeoutMs: number;
    intervalMs?: number;
    onProgress?: (received: number) => void;
    /** 'topics' judges only the workload's own topics, so that other traffic cannot blur the result. */
    scope?: 'all' | 'topics';
    /** Called once polling ends, before the topics are read for the comparison (which, at 10,000 topics, is work of its own). */
    onDrained?: () => void;
  },
): Promise<DrainResult> {
  const started = performance.now();
  const ownTopics = Object.keys(expected.topics);
  let final = before.totals;
  let timedOut = false;
  const receivedSince = async (stats: Stats) => {
    if (options.scope !== 'topics') return stats.received - before.totals.received;
    const now = await fetchTopicCounts(api, ownTopics);
    return ownTopics.reduce((sum, topic) => sum + now[topic]!.received - before.topics[topic]!.received, 0);
  };
  const drained = async () => {
    final = await fetchStats(api);
    const received = await receivedSince(final);
    options.onProgress?.(received);
    const empty = final.queue.visible + final.queue.in_flight === 0;
    return received >= expected.received && empty ? true : undefined;
  };
  await pollUntil(drained, { what: 'the pipeline to drain', timeoutMs: options.timeoutMs, intervalMs: options.intervalMs ?? 250 }).catch(
    (error: unknown) => {
      if (!(error instanceof PollTimeoutError)) throw error;
      timedOut = true;
    },
  );
  const drainMs = performance.now() - started;
  options.onDrained?.();
  const after = await fetchTopicCounts(api, ownTopics);
  const observed: Expected = { ...minus(final, before.totals), topics: {} };
  for (const topic of ownTopics) observed.topics[topic] = minus(after[topic]!, before.topics[topic]!);
  if (options.scope === 'topics') {
    for (const key of countKeys) observed[key] = ownTopics.reduce((sum, topic) => sum + observed.topics[topic]![key], 0);
  }
  const mismatches: string[] = [];
  for (const key of countKeys) {
    if (observed[key] !== expected[key]) mismatches.push(`${key}: expected ${expected[key]}, got ${observed[key]}`);
  }
  for (const [topic, counts] of Object.entries(expected.topics)) {
    for (const key of countKeys) {
      if (observed.topics[topic]![key] !== counts[key])
        mismatches.push(`${topic}.${key}: expected ${counts[key]}, got ${observed.topics[topic]![key]}`);
    }
  }
  return { converged: !timedOut && mismatches.length === 0, timedOut, drainMs, observed, mismatches, final };
}
