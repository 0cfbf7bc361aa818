import {
  countKeys,
  type DrainResult,
  expectedFrom,
  fetchStats,
  snapshot,
  topicsOf,
  waitForConvergence,
} from '../../scripts/lib/convergence.ts';
import { type LoadResult, runLoad } from '../../scripts/lib/load.ts';
import type { WorkloadEvent } from '../../scripts/lib/workload.ts';
import { api, everyTopicCounts, testApi, topicSettled } from './api.ts';
import type { TestEvent } from './events.ts';

/** Sends the requests like the publisher does and waits until /stats shows exactly what was accepted, on the workload's own topics. */
export async function sendAndConverge(
  requests: WorkloadEvent[][],
  concurrency = 16,
  timeoutMs = 300_000,
): Promise<{ load: LoadResult; drain: DrainResult }> {
  const before = await snapshot(testApi, topicsOf(requests));
  const load = await runLoad(requests, { api: testApi, concurrency });
  const drain = await waitForConvergence(testApi, before, expectedFrom(load.accepted), {
    timeoutMs,
    intervalMs: 500,
    scope: 'topics',
  });
  return { load, drain };
}

/**
 * Whole-stack invariant after a drain: the topics' counter items sum to the totals' (separate items,
 * written in the same transactions), and no topic stored more than it received.
 */
export async function expectTopicsSumToTotals(expect: (value: unknown) => any) {
  const stats = await fetchStats(testApi);
  const everyTopic = await everyTopicCounts();
  for (const key of countKeys) {
    expect(Object.values(everyTopic).reduce((sum, topic) => sum + topic[key], 0)).toBe(stats[key]);
  }
  expect(Object.entries(everyTopic).filter(([, counts]) => counts.unique_processed > counts.received)).toEqual([]);
}

/**
 * `clients` clients publish the same event at once, each retrying 5xx answers and network errors as
 * a real client does. On the emulator a wide burst cold-starts one worker per request, and the
 * slowest can outlive the function's timeout: the gateway answers 5xx and the client cannot know
 * whether the event was enqueued. Without an Idempotency-Key its retry may be a second delivery;
 * with one (`idempotencyKeys`), it is the same request.
 */
export function publishFromClients(event: TestEvent, clients: number, options: { idempotencyKeys?: boolean } = {}): Promise<LoadResult> {
  const sent: WorkloadEvent = { payload: {}, ...event };
  return runLoad(
    Array.from({ length: clients }, () => [sent]),
    { api: testApi, concurrency: clients, maxAttempts: 10, ...options },
  );
}

/**
 * Every client was answered 202, the event is stored once, and `received` counts each delivery:
 * exactly `clients`, plus at most one per attempt whose outcome the client could not know.
 */
export async function expectPublishedOnce(
  expect: (value: unknown) => any,
  topic: string,
  load: LoadResult,
  clients: number,
  timeoutMs?: number,
) {
  expect(load.abandoned).toBe(0);
  expect(load.accepted).toHaveLength(clients);
  const counters = await topicSettled(topic, clients, timeoutMs);
  expect(counters.unique_processed).toBe(1);
  expect(counters.duplicate_dropped).toBe(counters.received - 1);
  expect(counters.received).toBeGreaterThanOrEqual(clients);
  expect(counters.received).toBeLessThanOrEqual(clients + load.ambiguous);
  if (load.ambiguous === 0) expect(counters.received).toBe(clients);
  expect((await api(`/events?topic=${encodeURIComponent(topic)}`)).body.count).toBe(1);
  return counters;
}
