import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { withRetries } from '../../functions/shared/retry.ts';
import { type ApiTarget, callApi } from './api-client.ts';
import { type Protocol, protocolRequest } from './protocol-requests.ts';
import type { WorkloadEvent } from './workload.ts';

export interface LoadOptions {
  api: ApiTarget;
  concurrency: number;
  /** Events per second across all clients; undefined sends as fast as the API answers. */
  rate?: number;
  maxAttempts?: number;
  /** Send an Idempotency-Key with each request, the same on its retries, so that a retry after an unknown outcome cannot count twice. */
  idempotencyKeys?: boolean;
  /** Send each request in a shipper's protocol instead of idemlog's own (scripts/lib/protocol-requests.ts). */
  protocol?: Protocol;
  onProgress?: (eventsDone: number) => void;
}

export interface LoadResult {
  requests: number;
  attempts: number;
  /** Events the API accepted with 202 (or outside the not-enqueued list of a 503). */
  accepted: WorkloadEvent[];
  /** Events sent without an idempotency key in attempts whose outcome is unknown (connection lost, gateway 5xx). */
  ambiguous: number;
  /** Events given up on after a 4xx or after the last retry. */
  abandoned: number;
  /** Answers replayed from an earlier attempt with the same Idempotency-Key. */
  replayed: number;
  statuses: Record<string, number>;
  latenciesMs: number[];
  durationMs: number;
}

/** Thrown inside an attempt to ask the retry policy for another one. */
class TryAgain extends Error {
  override readonly name = 'TryAgain';
}

/**
 * Sends every request with `concurrency` clients, as a careful client would: 5xx answers, 429s and
 * network errors are retried with the one retry policy; after a 503 not_enqueued only the events it
 * names are re-sent.
 */
export async function runLoad(requests: WorkloadEvent[][], options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = {
    requests: requests.length,
    attempts: 0,
    accepted: [],
    ambiguous: 0,
    abandoned: 0,
    replayed: 0,
    statuses: {},
    latenciesMs: [],
    durationMs: 0,
  };
  const started = performance.now();
  let nextRequest = 0;
  let eventsScheduled = 0;
  let eventsDone = 0;
  const count = (status: string | number) => {
    result.statuses[status] = (result.statuses[status] ?? 0) + 1;
  };

  const throttle = async (events: number) => {
    if (!options.rate) return;
    eventsScheduled += events;
    const due = (eventsScheduled / options.rate) * 1000 - (performance.now() - started);
    if (due > 0) await sleep(due);
  };

  /** One attempt; resolves when the events are settled (accepted or refused for good), throws TryAgain otherwise. */
  const attempt = async (pending: { events: WorkloadEvent[]; key: string }) => {
    result.attempts++;
    const t0 = performance.now();
    const request = protocolRequest(options.protocol ?? 'native', pending.events);
    let response: Response;
    try {
      response = await callApi(options.api, request.path, {
        method: 'POST',
        headers: { ...request.headers, ...(options.idempotencyKeys ? { 'idempotency-key': pending.key } : {}) },
        body: request.body,
      });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code ?? 'network';
      count(code);
      if (code !== 'ECONNREFUSED' && !options.idempotencyKeys) result.ambiguous += pending.events.length;
      throw new TryAgain(code);
    }
    const text = await response.text().catch(() => '');
    let body: { error?: string; details?: Array<{ index: number }> } | undefined;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    result.latenciesMs.push(performance.now() - t0);
    if (request.path === '/publish') options.api.inspect?.('POST', '/publish', response.status, body);
    count(response.status);
    if (response.headers.get('idempotent-replayed') === 'true') result.replayed++;
    if (request.took(response.status, body ?? (text === '' ? undefined : text))) {
      result.accepted.push(...pending.events);
      return;
    }
    if (response.status === 503 && body?.error === 'not_enqueued' && Array.isArray(body.details)) {
      const refused = new Set<number>(body.details.map((d) => d.index));
      result.accepted.push(...pending.events.filter((_, i) => !refused.has(i)));
      // The rest is another request, with another body: it gets its own key.
      pending.events = pending.events.filter((_, i) => refused.has(i));
      pending.key = randomUUID();
      throw new TryAgain('not_enqueued');
    }
    if (response.status === 429 || response.status === 409) {
      // Refused before any work (throttled), or the same key is still in flight: wait as told.
      await sleep(1000 * Number(response.headers.get('retry-after') ?? 1));
      throw new TryAgain(String(response.status));
    }
    if (response.status < 500) {
      result.abandoned += pending.events.length;
      return;
    }
    // Any other 5xx (a gateway timeout, say) may come after the events were enqueued.
    if (!options.idempotencyKeys) result.ambiguous += pending.events.length;
    throw new TryAgain(String(response.status));
  };

  const send = async (events: WorkloadEvent[]) => {
    const pending = { events, key: randomUUID() };
    try {
      await withRetries(() => attempt(pending), {
        attempts: options.maxAttempts ?? 6,
        retryable: (error) => error instanceof TryAgain,
        minDelayMs: 100,
        maxDelayMs: 5000,
      });
    } catch (error) {
      if (!(error instanceof TryAgain)) throw error;
      result.abandoned += pending.events.length;
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
