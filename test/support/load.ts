import { expectedFrom, fetchStats, waitForConvergence, type DrainResult } from '../../scripts/lib/convergence.ts';
import { runLoad, type LoadResult } from '../../scripts/lib/load.ts';
import type { WorkloadEvent } from '../../scripts/lib/workload.ts';
import { stack } from './api.ts';

/** Sends the requests like the publisher does and waits until /stats shows exactly what was accepted, on the workload's own topics. */
export async function sendAndConverge(requests: WorkloadEvent[][], concurrency = 16, timeoutMs = 300_000): Promise<{ load: LoadResult; drain: DrainResult }> {
  const before = await fetchStats(stack.apiUrl);
  const load = await runLoad(requests, { baseUrl: stack.apiUrl, concurrency });
  const drain = await waitForConvergence(stack.apiUrl, before, expectedFrom(load.accepted), { timeoutMs, intervalMs: 500, scope: 'topics' });
  return { load, drain };
}

/** Whole-stack invariant: after a drain, received = unique + duplicates, and topics sum to the totals. */
export async function expectInvariant(expect: (value: unknown) => any) {
  const stats = await fetchStats(stack.apiUrl);
  expect(stats.received).toBe(stats.unique_processed + stats.duplicate_dropped);
  for (const key of ['received', 'unique_processed', 'duplicate_dropped'] as const) {
    expect(Object.values(stats.topics).reduce((sum, topic) => sum + topic[key], 0)).toBe(stats[key]);
  }
}
