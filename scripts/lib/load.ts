import type { WorkloadEvent } from './workload.ts';

export interface LoadOptions {
  baseUrl: string;
  concurrency: number;
  /** Events per second across all clients; undefined sends as fast as the API answers. */
  rate?: number;
  maxAttempts?: number;
  onProgress?: (eventsDone: number) => void;
}

export interface LoadResult {
  requests: number;
  attempts: number;
  /** Events the API accepted with 202 (or outside the not-enqueued list of a 503). */
  accepted: WorkloadEvent[];
  /** Events sent in attempts whose outcome is unknown (connection lost mid-request). */
  ambiguous: number;
  /** Events given up on after a 4xx or after the last retry. */
  abandoned: number;
  statuses: Record<string, number>;
  latenciesMs: number[];
  durationMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends every request with `concurrency` clients, retrying 5xx answers and network errors with
 * bounded exponential backoff, as a real client would. After a 503 not_enqueued only the events it
 * names are re-sent.
 */
export async function runLoad(requests: WorkloadEvent[][], options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = {
    requests: requests.length,
    attempts: 0,
    accepted: [],
    ambiguous: 0,
    abandoned: 0,
    statuses: {},
    latenciesMs: [],
    durationMs: 0,
  };
  const maxAttempts = options.maxAttempts ?? 6;
  const started = performance.now();
  let nextRequest = 0;
  let eventsScheduled = 0;
  let eventsDone = 0;

  const throttle = async (events: number) => {
    if (!options.rate) return;
    eventsScheduled += events;
    const due = (eventsScheduled / options.rate) * 1000 - (performance.now() - started);
    if (due > 0) await sleep(due);
  };

  const send = async (events: WorkloadEvent[]) => {
    let pending = events;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts) {
        result.abandoned += pending.length;
        return;
      }
      if (attempt > 1) await sleep(Math.min(5000, 100 * 2 ** (attempt - 2)) * (0.5 + Math.random()));
      result.attempts++;
      const t0 = performance.now();
      let status: number;
      let body: { error?: string; details?: Array<{ index: number }> } | undefined;
      try {
        const response = await fetch(`${options.baseUrl}/publish`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(pending),
        });
        status = response.status;
        body = (await response.json().catch(() => undefined)) as typeof body;
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code ?? 'network';
        result.statuses[code] = (result.statuses[code] ?? 0) + 1;
        if (code !== 'ECONNREFUSED') result.ambiguous += pending.length;
        continue;
      }
      result.latenciesMs.push(performance.now() - t0);
      result.statuses[status] = (result.statuses[status] ?? 0) + 1;
      if (status === 202) {
        result.accepted.push(...pending);
        return;
      }
      if (status === 503 && body?.error === 'not_enqueued' && Array.isArray(body.details)) {
        const refused = new Set<number>(body.details.map((d) => d.index));
        result.accepted.push(...pending.filter((_, i) => !refused.has(i)));
        pending = pending.filter((_, i) => refused.has(i));
        continue;
      }
      if (status < 500) {
        result.abandoned += pending.length;
        return;
      }
      // Any other 5xx (a gateway timeout, say) may come after the events were enqueued.
      result.ambiguous += pending.length;
    }
  };

  const client = async () => {
    while (nextRequest < requests.length) {
      const request = requests[nextRequest++]!;
      await throttle(request.length);
      await send(request);
      eventsDone += request.length;
      options.onProgress?.(eventsDone);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, client));
  result.durationMs = performance.now() - started;
  return result;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
