import type { WorkloadEvent } from './workload.ts';

export const countKeys = ['received', 'unique_processed', 'duplicate_dropped'] as const;
export type Counts = Record<(typeof countKeys)[number], number>;

export interface StatsBody extends Counts {
  rejected: number;
  topics: Record<string, Counts>;
  queue: { visible: number; in_flight: number; dead_letter: number };
}

export interface Expected extends Counts {
  topics: Record<string, Counts>;
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

export async function fetchStats(baseUrl: string): Promise<StatsBody> {
  const response = await fetch(`${baseUrl}/stats`);
  if (!response.ok) throw new Error(`GET /stats answered ${response.status}`);
  return (await response.json()) as StatsBody;
}

const zero: Counts = { received: 0, unique_processed: 0, duplicate_dropped: 0 };
const minus = (a: Counts = zero, b: Counts = zero): Counts => ({
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
  final: StatsBody;
}

/**
 * Polls /stats until the counters have grown by what was sent and the queue is empty, then
 * compares every figure exactly: totals and each topic.
 */
export async function waitForConvergence(
  baseUrl: string,
  before: StatsBody,
  expected: Expected,
  options: {
    timeoutMs: number;
    intervalMs?: number;
    onProgress?: (received: number) => void;
    /** 'topics' judges only the workload's own topics, so that other traffic cannot blur the result. */
    scope?: 'all' | 'topics';
  },
): Promise<DrainResult> {
  const started = performance.now();
  let final = before;
  let timedOut = false;
  const ownTopics = Object.keys(expected.topics);
  const receivedSince = (stats: StatsBody) =>
    options.scope === 'topics'
      ? ownTopics.reduce((sum, topic) => sum + (stats.topics[topic]?.received ?? 0) - (before.topics[topic]?.received ?? 0), 0)
      : stats.received - before.received;
  for (;;) {
    final = await fetchStats(baseUrl);
    const received = receivedSince(final);
    options.onProgress?.(received);
    const empty = final.queue.visible + final.queue.in_flight === 0;
    if (received >= expected.received && empty) break;
    if (performance.now() - started > options.timeoutMs) {
      timedOut = true;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
  const drainMs = performance.now() - started;
  const observed: Expected = { ...minus(final, before), topics: {} };
  for (const topic of ownTopics) observed.topics[topic] = minus(final.topics[topic], before.topics[topic]);
  if (options.scope === 'topics') {
    for (const key of countKeys) {
      observed[key] = ownTopics.reduce((sum, topic) => sum + observed.topics[topic]![key], 0);
    }
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
