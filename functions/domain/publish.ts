import { withRetries } from '../shared/retry.ts';
import type { PublishResult } from './api-schemas.ts';
import {
  encodeEvents,
  encodeMessage,
  eventsIn,
  type MessagePlan,
  messagesOfPlan,
  type PackedMessage,
  type Packing,
  planMessages,
} from './envelope.ts';
import type { LogEvent } from './event.ts';
import { fingerprintOf, keyedRequestId, randomRequestId, scopedKey } from './identity.ts';
import { type EventQueue, notEnqueuedError, type SendState } from './ingest.ts';
import { awaitOutcomes, type EventOutcome, type OutcomeReader } from './outcomes.ts';
import { claimRequest, maxNamedSets, type RequestRecord, type RequestRecordStore, type StoredAnswer } from './request-record.ts';

export interface WaitPreference {
  seconds: number;
  /** How the client asked: the answer says `Preference-Applied` for a Prefer header (RFC 7240). */
  from: 'query' | 'prefer';
}

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
  records: RequestRecordStore;
  packing: Packing;
  now?: () => number;
}

export interface PublishBudget {
  signal?: AbortSignal;
  /** How long a wait may last before the function must answer. */
  waitLimitMs: number;
  /** How long this attempt may hold a keyed request: until the function's own timeout. */
  leaseMs: number;
}

export type PublishAnswer = PublishResult & { replayed: boolean };

/** The messages of the body being sent, each with where its events sit in that body. */
interface BodyMessages {
  requestId: string;
  /** Indexes into the plan. */
  planned: number[];
  messages: PackedMessage[];
}

/**
 * Enqueues a validated request, once per Idempotency-Key when one is given, and waits for its
 * outcomes when asked. With a key, a retry after any failure (of the same body, or of exactly the
 * events a 503 named) completes the same request with the same chunk ids, and a replay gives the
 * first answer.
 */
export async function publish(request: PublishRequest, services: PublishServices, budget: PublishBudget): Promise<PublishAnswer> {
  if (request.idempotencyKey === undefined) {
    const body = await enqueueBatch(request.events, services, budget.signal);
    return { ...(await answer(request, body, services, budget)), replayed: false };
  }
  const texts = encodeEvents(request.events);

  const now = services.now ?? Date.now;
  const key = scopedKey(request.caller, request.idempotencyKey);
  const fingerprint = fingerprintOf(request.events);
  const plan = planMessages(request.events, texts, services.packing);
  const fresh: RequestRecord = {
    requestId: keyedRequestId(key, fingerprint),
    fingerprint,
    plan,
    enqueued: plan.map(() => false),
    named: [],
    leaseUntil: now() + budget.leaseMs,
    version: 0,
  };
  const claim = await claimRequest(services.records, key, fingerprint, fresh, now(), budget.signal);
  if (claim.kind === 'replay') return { ...replayOf(claim.answer, claim.requestId), replayed: true };

  const { record } = claim;
  const body = bodyOf(record, claim.messages, texts);
  const unsent = body.planned.map((m, i) => [m, i] as const).filter(([m]) => !record.enqueued[m]);
  let states: SendState[];
  try {
    states = await services.queue.sendAll(
      unsent.map(([, i]) => body.messages[i]!),
      budget.signal,
    );
  } catch (error) {
    await leave(services.records, key, { ...record, leaseUntil: 0, version: record.version + 1 }, record.version);
    throw error;
  }
  const enqueued = [...record.enqueued];
  unsent.forEach(([m], j) => {
    if (states[j] === 'enqueued') enqueued[m] = true;
  });
  if (enqueued.some((done) => !done)) {
    // Every 503 names a set this request keeps accepting as a body; each one is smaller than the last.
    const missing = body.planned.flatMap((m, i) => (enqueued[m] ? [] : [[m, i] as const]));
    const named = {
      fingerprint: fingerprintOf(
        missing.flatMap(([, i]) => body.messages[i]!.chunks.flatMap((c) => c.positions)).map((p) => request.events[p]!),
      ),
      messages: missing.map(([m]) => m),
    };
    const sets = [...record.named.filter((set) => set.fingerprint !== named.fingerprint), named].slice(-maxNamedSets);
    const remembered = await leave(
      services.records,
      key,
      { ...record, enqueued, named: sets, leaseUntil: 0, version: record.version + 1 },
      record.version,
    );
    const stateOf = new Map(unsent.map(([m], j) => [m, states[j]!]));
    const bodyStates = body.planned.map((m) => stateOf.get(m) ?? 'enqueued');
    throw notEnqueuedError(request.events, body.messages, bodyStates, record.requestId, remembered ? 'named-or-whole' : 'whole');
  }
  const result = await answer(request, body, services, budget);
  const stored: StoredAnswer = {
    fingerprint,
    status: result.status,
    accepted: result.accepted,
    ...(result.events ? { outcomes: result.events.map((e) => e.outcome[0]).join('') } : {}),
  };
  await leave(services.records, key, { ...record, enqueued, answer: stored, leaseUntil: 0, version: record.version + 1 }, record.version);
  return { ...result, replayed: false };
}

/**
 * Leaves the record for the next attempt, trying a few times. It may still be lost (the lease ran
 * out and another attempt took over, or the store keeps failing): the next attempt then re-sends
 * messages already in the queue, which their chunk ids make harmless. Says whether it was written.
 */
async function leave(records: RequestRecordStore, key: string, record: RequestRecord, version: number): Promise<boolean> {
  try {
    return await withRetries(() => records.replace(key, record, version), { attempts: 3, retryable: () => true });
  } catch {
    return false;
  }
}

/** Every message of the plan, its events at their request positions. */
const wholeBody = (requestId: string, plan: MessagePlan[], texts: string[]): BodyMessages => ({
  requestId,
  planned: plan.map((_, m) => m),
  messages: messagesOfPlan(requestId, plan, texts),
});

/**
 * The messages of a body: the whole plan, or a set a 503 named, filled in order with the body's
 * events (a named set's body holds exactly their events, at positions of its own).
 */
function bodyOf(record: RequestRecord, messages: number[], texts: string[]): BodyMessages {
  if (messages.length === record.plan.length) return wholeBody(record.requestId, record.plan, texts);
  const firsts: number[] = [];
  record.plan.reduce((first, message) => {
    firsts.push(first);
    return first + eventsIn(message);
  }, 0);
  let position = 0;
  const packed = messages.map((m) => {
    const count = eventsIn(record.plan[m]!);
    const positions = Array.from({ length: count }, (_, i) => position + i);
    position += count;
    return encodeMessage(record.requestId, record.plan[m]!, firsts[m]!, texts, positions);
  });
  return { requestId: record.requestId, planned: messages, messages: packed };
}

/**
 * Enqueues events under a new request id, with no key and no wait: what a shipper's batch needs,
 * whose records carry event ids that make its retry the same events.
 */
export async function enqueueBatch(
  events: LogEvent[],
  services: Pick<PublishServices, 'queue' | 'packing'>,
  signal?: AbortSignal,
): Promise<BodyMessages> {
  const texts = encodeEvents(events);
  const plan = planMessages(events, texts, services.packing);
  const body = wholeBody(randomRequestId(), plan, texts);
  const states = await services.queue.sendAll(body.messages, signal);
  if (states.some((state) => state !== 'enqueued')) throw notEnqueuedError(events, body.messages, states, body.requestId, 'unkeyed');
  return body;
}

async function answer(
  request: PublishRequest,
  body: BodyMessages,
  services: PublishServices,
  budget: PublishBudget,
): Promise<PublishResult> {
  const accepted: PublishResult = { status: 'accepted', accepted: request.events.length, request_id: body.requestId };
  if (!request.wait) return accepted;
  const outcomes = await awaitOutcomes(
    body.messages.flatMap((message) => message.chunks),
    request.events.length,
    services.outcomes,
    { waitMs: Math.min(request.wait.seconds * 1000, budget.waitLimitMs), signal: budget.signal },
  );
  const events = withOutcomes(outcomes);
  return { ...accepted, status: events.some((e) => e.outcome === 'pending') ? 'accepted' : 'applied', events };
}

const withOutcomes = (outcomes: EventOutcome[]) => outcomes.map((outcome, index) => ({ index, outcome }));

const outcomeOfLetter: Record<string, EventOutcome> = { s: 'stored', d: 'duplicate', p: 'pending' };

function replayOf(stored: StoredAnswer, requestId: string): PublishResult {
  return {
    status: stored.status,
    accepted: stored.accepted,
    request_id: requestId,
    ...(stored.outcomes === undefined
      ? {}
      : {
          events: withOutcomes([...stored.outcomes].map((letter) => outcomeOfLetter[letter]!)),
        }),
  };
}
