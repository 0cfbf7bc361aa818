import type { PublishResult } from './api-schemas.ts';
import type { MessagePlan } from './envelope.ts';
import { IdempotencyInProgressError, IdempotencyKeyReusedError } from './errors.ts';

/**
 * What idemlog remembers of a request sent with an Idempotency-Key, for IDEMPOTENCY_TTL_HOURS.
 * Unlike a plain idempotency record it survives a failed attempt: an attempt that could not
 * enqueue everything leaves the request open, with its plan and which of its messages are known to
 * be in the queue, so that a retry of the whole body, or of exactly the events the 503 named, sends
 * the missing messages with the very chunk ids of the first attempt. The request then ends exactly
 * as if nothing had failed: every event counted once, whatever the packing is by then.
 */
export interface RequestRecord {
  /** The request's id (identity.ts: from the key and the fingerprint). */
  requestId: string;
  /** The fingerprint of the whole body. */
  fingerprint: string;
  /** The messages the request was packed into when it was first sent; retries keep them. */
  plan: MessagePlan[];
  /** One flag per message of the plan: known to be in the queue. */
  enqueued: boolean[];
  /**
   * What each 503 of this request named: the messages then not known to be enqueued, and the
   * fingerprint of their events in order. A retry of any of these bodies belongs to the request,
   * even one whose answer the client never saw a later 503 for. The most recent few are kept.
   */
  named: NamedEvents[];
  /** Until then (epoch ms) an attempt holds the request; a request left open by a dead attempt is free after it. */
  leaseUntil: number;
  /** Set once every message is enqueued: the answer, for replays. */
  answer?: StoredAnswer;
  /** Bumped by every write, so that two attempts never both think they hold the request. */
  version: number;
}

export interface NamedEvents {
  fingerprint: string;
  /** Indexes into the plan. */
  messages: number[];
}

/** Named sets kept per request: each 503 names fewer messages than the one before, so a client retries one of the last few. */
export const maxNamedSets = 16;

/** An answer as kept for replays: its events' outcomes as one letter each (s stored, d duplicate, p pending), not their names. */
export interface StoredAnswer {
  fingerprint: string;
  status: PublishResult['status'];
  accepted: number;
  outcomes?: string;
}

/** Where request records live (DynamoDB; memory in tests). Writes are conditional: they say whether they happened. */
export interface RequestRecordStore {
  read(key: string, signal?: AbortSignal): Promise<RequestRecord | undefined>;
  /** Writes a record where there is none (or only an expired one). */
  create(key: string, record: RequestRecord, signal?: AbortSignal): Promise<boolean>;
  /** Writes a record over the one at `expectedVersion`. */
  replace(key: string, record: RequestRecord, expectedVersion: number, signal?: AbortSignal): Promise<boolean>;
}

/** What a body sent under a key is, given what the key's record holds. */
export type Claim =
  /** The request is done: answer as before. */
  | { kind: 'replay'; answer: StoredAnswer; requestId: string }
  /** This attempt holds the request and sends what of `messages` (the body's: all of the plan, or a named set) is not known to be enqueued. */
  | { kind: 'send'; record: RequestRecord; messages: number[] };

const eventsOf = (record: RequestRecord, messages: number[]) =>
  messages.reduce((sum, m) => sum + record.plan[m]!.chunks.reduce((a, b) => a + b, 0), 0);

/** The messages a body stands for, if it is the whole request or one of the sets a 503 named. */
function messagesOf(record: RequestRecord, fingerprint: string): number[] | undefined {
  if (fingerprint === record.fingerprint) return record.plan.map((_, m) => m);
  return record.named.find((set) => set.fingerprint === fingerprint)?.messages;
}

const reused = () =>
  new IdempotencyKeyReusedError(
    'this Idempotency-Key was used with another request body; re-send the same body, or exactly the events a 503 named, or use a new key',
    [{ path: 'Idempotency-Key', message: 'already used with a different body' }],
  );

const inProgress = () =>
  new IdempotencyInProgressError('a request with this Idempotency-Key is still being processed; retry shortly', [
    { path: 'Idempotency-Key', message: 'in progress' },
  ]);

/**
 * Takes hold of the request a body belongs to. `fresh` is the record of this body as a new request;
 * it is written only when the key has no record. Throws IdempotencyKeyReusedError for another body,
 * IdempotencyInProgressError while another attempt holds the request.
 */
export async function claimRequest(
  store: RequestRecordStore,
  key: string,
  fingerprint: string,
  fresh: RequestRecord,
  now: number,
  signal?: AbortSignal,
): Promise<Claim> {
  for (let attempt = 0; attempt < 4; attempt++) {
    if (await store.create(key, fresh, signal)) return { kind: 'send', record: fresh, messages: fresh.plan.map((_, m) => m) };
    const existing = await store.read(key, signal);
    if (!existing) continue;
    const messages = messagesOf(existing, fingerprint);
    if (existing.answer) {
      if (fingerprint === existing.answer.fingerprint) return { kind: 'replay', answer: existing.answer, requestId: existing.requestId };
      // Another body of the same request (the whole of it, or a set a 503 named): every event is enqueued.
      if (messages)
        return {
          kind: 'replay',
          answer: { fingerprint, status: 'accepted', accepted: eventsOf(existing, messages) },
          requestId: existing.requestId,
        };
      throw reused();
    }
    if (messages === undefined) throw reused();
    if (existing.leaseUntil > now) throw inProgress();
    const held = { ...existing, leaseUntil: fresh.leaseUntil, version: existing.version + 1 };
    if (await store.replace(key, held, existing.version, signal)) return { kind: 'send', record: held, messages };
  }
  throw inProgress();
}
