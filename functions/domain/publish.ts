import { randomUUID } from 'node:crypto';
import type { PublishResult } from './api-schemas.ts';
import type { LogEvent } from './event.ts';
import { fingerprintOf, type IdempotencyGuard, requestIdFor, scopedKey } from './idempotency.ts';
import { type EventQueue, ingest } from './ingest.ts';
import { awaitOutcomes, type OutcomeReader } from './outcomes.ts';
import type { WaitPreference } from './wait.ts';

export interface PublishRequest {
  events: LogEvent[];
  /** Who sent it (its API key), which scopes the idempotency key. */
  caller: string;
  idempotencyKey?: string;
  wait?: WaitPreference;
}

export interface PublishServices {
  queue: EventQueue;
  outcomes: OutcomeReader;
  guard: IdempotencyGuard;
  packing: { eventsPerMessage: number; eventsPerTransaction: number };
}

export interface PublishBudget {
  signal?: AbortSignal;
  /** How long a wait may last before the function must answer. */
  waitLimitMs: number;
}

/**
 * Enqueues a validated request, once per Idempotency-Key when one is given, and waits for its
 * outcomes when asked. A replay gives the first answer, whatever happened to the connection that
 * carried it.
 */
export async function publish(
  request: PublishRequest,
  services: PublishServices,
  budget: PublishBudget,
): Promise<PublishResult & { replayed: boolean }> {
  if (request.idempotencyKey === undefined) return { ...(await enqueue(request, randomUUID(), services, budget)), replayed: false };
  const scoped = scopedKey(request.caller, request.idempotencyKey);
  const { value, replayed } = await services.guard.once(scoped, fingerprintOf(request.events), () =>
    enqueue(request, requestIdFor(scoped), services, budget),
  );
  return { ...value, replayed };
}

async function enqueue(
  request: PublishRequest,
  requestId: string,
  services: PublishServices,
  budget: PublishBudget,
): Promise<PublishResult> {
  const receipt = await ingest(request.events, services.queue, { requestId, ...services.packing, signal: budget.signal });
  const accepted: PublishResult = { status: 'accepted', accepted: receipt.accepted, request_id: receipt.requestId };
  if (!request.wait) return accepted;
  const outcomes = await awaitOutcomes(receipt.messages, request.events.length, services.outcomes, {
    waitMs: Math.min(request.wait.seconds * 1000, budget.waitLimitMs),
    signal: budget.signal,
  });
  const events = request.events.map((event, index) => ({ index, topic: event.topic, event_id: event.event_id, outcome: outcomes[index]! }));
  return { ...accepted, status: events.some((e) => e.outcome === 'pending') ? 'accepted' : 'applied', events };
}
