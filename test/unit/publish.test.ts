import { describe, expect, it } from 'vitest';
import { consumeMessage } from '../../functions/domain/consume.ts';
import type { PackedMessage } from '../../functions/domain/envelope.ts';
import {
  IdempotencyInProgressError,
  IdempotencyKeyReusedError,
  InvalidHeaderError,
  InvalidQueryError,
  NotEnqueuedError,
  TooLargeError,
} from '../../functions/domain/errors.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { fingerprintOf, keyedRequestId, scopedKey } from '../../functions/domain/identity.ts';
import type { EventQueue, SendState } from '../../functions/domain/ingest.ts';
import { limits } from '../../functions/domain/limits.ts';
import type { OutcomeReader } from '../../functions/domain/outcomes.ts';
import { type PublishServices, publish } from '../../functions/domain/publish.ts';
import { decodePublishRequest, parseIdempotencyKey, parseWait } from '../../functions/edge/publish-http.ts';
import { makeEvent } from '../support/events.ts';
import { MemoryLedger } from '../support/memory-ledger.ts';
import { MemoryRequestRecords } from '../support/memory-request-records.ts';

/**
 * A queue whose messages a consumer applies at once (or never, when `consume` is false), into a
 * memory ledger. `fail` decides, per message sent, what SQS does with it instead of taking it.
 */
function pipeline(options: { consume?: boolean; fail?: (message: PackedMessage) => SendState | undefined } = {}) {
  const ledger = new MemoryLedger();
  const sent: PackedMessage[] = [];
  const queue: EventQueue = {
    async sendAll(messages) {
      const states: SendState[] = [];
      for (const message of messages) {
        const failure = options.fail?.(message);
        // A send whose answer was lost may still have reached the queue: here it did.
        if (failure === 'not-enqueued') {
          states.push(failure);
          continue;
        }
        sent.push(message);
        if (options.consume ?? true) await consumeMessage(message.body, 'sqs', ledger, { counterShards: 2, totalsShards: 8 });
        states.push(failure ?? 'enqueued');
      }
      return states;
    },
  };
  const outcomes: OutcomeReader = {
    async outcomesOf(ids) {
      return new Map(ids.flatMap((id) => (ledger.markers.has(id) ? [[id, ledger.markers.get(id)!] as [string, string]] : [])));
    },
  };
  const records = new MemoryRequestRecords();
  const services: PublishServices = { queue, outcomes, records, packing: { eventsPerMessage: 100, eventsPerTransaction: 95 } };
  return { ledger, sent, services, records };
}

const events = (...ids: string[]) => ids.map((id) => eventSchema.parse(makeEvent({ topic: 't', event_id: id })));
const many = (count: number) => events(...Array.from({ length: count }, (_, i) => `e${i}`));
const budget = { waitLimitMs: 2000, leaseMs: 10_000 };
const storedIds = (ledger: MemoryLedger) => new Set([...ledger.events.keys()].map((key) => JSON.parse(key)[1] as string));

async function refusal(promise: Promise<unknown>): Promise<NotEnqueuedError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof NotEnqueuedError) return error;
    throw error;
  }
  throw new Error('expected 503 not_enqueued');
}

describe('publish with an Idempotency-Key', () => {
  it('replays the first answer for the same key and body, and enqueues nothing more', async () => {
    const { sent, services, ledger } = pipeline();
    const first = await publish({ events: events('a', 'b'), caller: 'k1', idempotencyKey: 'order-1' }, services, budget);
    const again = await publish({ events: events('a', 'b'), caller: 'k1', idempotencyKey: 'order-1' }, services, budget);
    expect(first.replayed).toBe(false);
    expect(again).toEqual({ ...first, replayed: true });
    expect(sent).toHaveLength(1);
    expect(ledger.totals.received).toBe(2);
  });

  it('refuses the same key with another body, and a second request while the first holds the key', async () => {
    const { services, records } = pipeline();
    await publish({ events: events('a'), caller: 'k1', idempotencyKey: 'x' }, services, budget);
    await expect(publish({ events: events('b'), caller: 'k1', idempotencyKey: 'x' }, services, budget)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    const key = scopedKey('k1', 'busy');
    const fingerprint = fingerprintOf(events('a'));
    await records.create(key, {
      requestId: keyedRequestId(key, fingerprint),
      fingerprint,
      plan: [{ chunks: [1] }],
      enqueued: [false],
      named: [],
      leaseUntil: Date.now() + 60_000,
      version: 0,
    });
    await expect(publish({ events: events('a'), caller: 'k1', idempotencyKey: 'busy' }, services, budget)).rejects.toBeInstanceOf(
      IdempotencyInProgressError,
    );
  });

  it('keeps the keys of two API keys apart', async () => {
    const { services } = pipeline();
    const one = await publish({ events: events('a'), caller: 'key-A', idempotencyKey: 'same' }, services, budget);
    const two = await publish({ events: events('b'), caller: 'key-B', idempotencyKey: 'same' }, services, budget);
    expect(two.replayed).toBe(false);
    expect(two.request_id).not.toBe(one.request_id);
  });

  it('takes the same events with payload keys in another order as the same request', async () => {
    const { services, ledger } = pipeline();
    const ordered = [eventSchema.parse(makeEvent({ topic: 't', event_id: 'a', payload: { x: 1, y: { p: 1, q: 2 } } }))];
    const shuffled = [{ ...ordered[0]!, payload: { y: { q: 2, p: 1 }, x: 1 } }];
    const first = await publish({ events: ordered, caller: 'k', idempotencyKey: 'order' }, services, budget);
    const again = await publish({ events: shuffled, caller: 'k', idempotencyKey: 'order' }, services, budget);
    expect(again).toEqual({ ...first, replayed: true });
    expect(ledger.totals.received).toBe(1);
  });

  it('derives the request id from the key and the body: after the record is forgotten, a new body gets new chunk ids', async () => {
    const { services, records, sent, ledger } = pipeline();
    const a = await publish({ events: events('a'), caller: 'k', idempotencyKey: 'reuse' }, services, budget);
    records.expire(scopedKey('k', 'reuse'));
    const b = await publish({ events: events('b'), caller: 'k', idempotencyKey: 'reuse' }, services, budget);
    expect(b.request_id).not.toBe(a.request_id);
    expect(sent[1]!.chunks[0]!.id).not.toBe(sent[0]!.chunks[0]!.id);
    expect(storedIds(ledger)).toEqual(new Set(['a', 'b']));
  });

  it('uses a fresh request id without a key', async () => {
    const { services } = pipeline();
    const a = await publish({ events: events('a'), caller: 'k' }, services, budget);
    const b = await publish({ events: events('a'), caller: 'k' }, services, budget);
    expect(a.request_id).not.toBe(b.request_id);
  });

  it('refuses with 413, before anything is sent or remembered, an event too large to travel', async () => {
    const { services, sent, records } = pipeline();
    const big = eventSchema.parse(makeEvent({ payload: { blob: 'x'.repeat(limits.maxEventBytes) } }));
    await expect(publish({ events: [big], caller: 'k', idempotencyKey: 'big' }, services, budget)).rejects.toBeInstanceOf(TooLargeError);
    // U+FFFF travels as a 6-byte escape: the limit is on what travels.
    const escaped = eventSchema.parse(makeEvent({ payload: { s: '\uffff'.repeat(limits.maxEventBytes / 4) } }));
    await expect(publish({ events: [escaped], caller: 'k' }, services, budget)).rejects.toBeInstanceOf(TooLargeError);
    expect(sent).toHaveLength(0);
    expect(records.records.size).toBe(0);
  });
});

describe('a retry after 503 not_enqueued', () => {
  /** Refuses the message holding request position 100 while `refusing` is set. */
  const refusingMiddle = (state: SendState, refusing: { on: boolean }) => (message: PackedMessage) =>
    refusing.on && message.chunks.some((chunk) => chunk.id.includes('/100-')) ? state : undefined;

  it.each(['not-enqueued', 'unknown'] as const)(
    'stores every event once when the named events are re-sent under the same key (the middle message %s)',
    async (state) => {
      const refusing = { on: true };
      const { services, ledger } = pipeline({ fail: refusingMiddle(state, refusing) });
      const body = many(300);
      const error = await refusal(publish({ events: body, caller: 'k', idempotencyKey: 'retry' }, services, budget));
      const named = error.details.map((d) => d.index!);
      expect(named).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
      expect(error.details[0]).toMatchObject({ enqueued: state === 'unknown' ? 'unknown' : 'no' });
      refusing.on = false;
      const retry = await publish(
        { events: named.map((i) => body[i]!), caller: 'k', idempotencyKey: 'retry', wait: { seconds: 1, from: 'query' } },
        services,
        budget,
      );
      expect(retry.status).toBe('applied');
      expect(retry.events!.every((e) => e.outcome === 'stored')).toBe(true);
      expect(storedIds(ledger).size).toBe(300);
      expect(ledger.totals).toEqual({ received: 300, unique: 300, duplicates: 0 });
      // Done: the whole body and the named events both replay, and count nothing more.
      expect((await publish({ events: body, caller: 'k', idempotencyKey: 'retry' }, services, budget)).replayed).toBe(true);
      expect(ledger.totals.received).toBe(300);
    },
  );

  it.each(['not-enqueued', 'unknown'] as const)(
    'ends as if nothing failed when the whole body is re-sent under the same key (the middle message %s)',
    async (state) => {
      const refusing = { on: true };
      const { services, ledger } = pipeline({ fail: refusingMiddle(state, refusing) });
      const body = many(300);
      await refusal(publish({ events: body, caller: 'k', idempotencyKey: 'whole' }, services, budget));
      refusing.on = false;
      await publish(
        { events: body, caller: 'k', idempotencyKey: 'whole' },
        { ...services, packing: { eventsPerMessage: 7, eventsPerTransaction: 3 } },
        budget,
      );
      expect(ledger.totals).toEqual({ received: 300, unique: 300, duplicates: 0 });
    },
  );

  it('takes back any set an earlier 503 named, even after a later 503 the client never saw', async () => {
    // Messages of 1 event; the first attempt loses e2..e5, the retry of those loses e4 and e5 and its answer is lost.
    const failing = { set: new Set(['/2-', '/3-', '/4-', '/5-']) };
    const { services, ledger } = pipeline({
      fail: (message) => ([...failing.set].some((p) => message.chunks[0]!.id.includes(p)) ? 'not-enqueued' : undefined),
    });
    const one = { ...services, packing: { eventsPerMessage: 1, eventsPerTransaction: 1 } };
    const body = many(6);
    const first = await refusal(publish({ events: body, caller: 'k', idempotencyKey: 'twice' }, one, budget));
    const named = first.details.map((d) => body[d.index!]!);
    failing.set = new Set(['/4-', '/5-']);
    await refusal(publish({ events: named, caller: 'k', idempotencyKey: 'twice' }, one, budget));
    failing.set.clear();
    // The client only saw the first 503: it re-sends what that one named.
    expect((await publish({ events: named, caller: 'k', idempotencyKey: 'twice' }, one, budget)).replayed).toBe(false);
    expect(ledger.totals).toEqual({ received: 6, unique: 6, duplicates: 0 });
    // Every body of the request now replays, counting nothing more.
    for (const again of [body, named, named.slice(2)]) {
      expect((await publish({ events: again, caller: 'k', idempotencyKey: 'twice' }, one, budget)).replayed).toBe(true);
    }
    expect(ledger.totals.received).toBe(6);
  });

  it('says to re-send the whole body when the named set could not be recorded, and that retry ends exact', async () => {
    const refusing = { on: true };
    const { services, ledger, records } = pipeline({ fail: refusingMiddle('unknown', refusing) });
    const failingWrites = {
      ...records,
      replace: async () => Promise.reject(new Error('store unavailable')),
      read: records.read.bind(records),
      create: records.create.bind(records),
    };
    const body = many(300);
    const error = await refusal(
      publish({ events: body, caller: 'k', idempotencyKey: 'unrecorded' }, { ...services, records: failingWrites }, budget),
    );
    expect(error.message).toMatch(/re-send the whole body/);
    expect(error.message).not.toMatch(/exactly these events/);
    refusing.on = false;
    // The record still holds the attempt's lease until the function's timeout: after it, the whole body completes the request.
    const later = { ...services, now: () => Date.now() + budget.leaseMs + 1 };
    await publish({ events: body, caller: 'k', idempotencyKey: 'unrecorded' }, later, budget);
    expect(ledger.totals).toEqual({ received: 300, unique: 300, duplicates: 0 });
  });

  it('refuses another body under a key whose request is unfinished', async () => {
    const refusing = { on: true };
    const { services } = pipeline({ fail: refusingMiddle('not-enqueued', refusing) });
    const body = many(300);
    await refusal(publish({ events: body, caller: 'k', idempotencyKey: 'other' }, services, budget));
    await expect(publish({ events: body.slice(100, 150), caller: 'k', idempotencyKey: 'other' }, services, budget)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
  });

  it('never loses an event when the record is forgotten and the packing changed between attempts', async () => {
    const refusing = { on: true };
    const { services, ledger, records } = pipeline({ fail: refusingMiddle('not-enqueued', refusing) });
    const body = many(300);
    await refusal(publish({ events: body, caller: 'k', idempotencyKey: 'forgotten' }, services, budget));
    records.expire(scopedKey('k', 'forgotten'));
    refusing.on = false;
    await publish(
      { events: body, caller: 'k', idempotencyKey: 'forgotten' },
      { ...services, packing: { eventsPerMessage: 50, eventsPerTransaction: 95 } },
      budget,
    );
    expect(storedIds(ledger).size).toBe(300);
    expect(ledger.totals.unique).toBe(300);
    expect(ledger.totals.received).toBe(ledger.totals.unique + ledger.totals.duplicates);
  });

  it('says without a key that a retry of an event SQS may have is counted again in received', async () => {
    const refusing = { on: true };
    const { services } = pipeline({ fail: refusingMiddle('unknown', refusing) });
    const error = await refusal(publish({ events: many(300), caller: 'k' }, services, budget));
    expect(error.message).toMatch(/counted again in received/);
    expect(error.accepted).toBe(200);
  });
});

describe('publish with a wait', () => {
  it('answers applied with each event’s outcome in request order', async () => {
    const { services } = pipeline();
    await publish({ events: events('old'), caller: 'k' }, services, budget);
    const result = await publish(
      { events: events('new', 'old', 'new'), caller: 'k', wait: { seconds: 5, from: 'query' } },
      services,
      budget,
    );
    expect(result.status).toBe('applied');
    expect(result.events!.map((e) => [e.index, e.outcome])).toEqual([
      [0, 'stored'],
      [1, 'duplicate'],
      [2, 'duplicate'],
    ]);
  });

  it('answers accepted with the events still pending when the wait runs out', async () => {
    const { services } = pipeline({ consume: false });
    const started = performance.now();
    const result = await publish({ events: events('a', 'b'), caller: 'k', wait: { seconds: 1, from: 'query' } }, services, budget);
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
    expect(result.status).toBe('accepted');
    expect(result.events!.map((e) => e.outcome)).toEqual(['pending', 'pending']);
  });
});

describe('the publish request’s headers and query', () => {
  it('reads the draft’s quoted Idempotency-Key and Stripe’s bare token', () => {
    expect(parseIdempotencyKey('"8e03978e-40d5-43e8"')).toBe('8e03978e-40d5-43e8');
    expect(parseIdempotencyKey('8e03978e-40d5-43e8')).toBe('8e03978e-40d5-43e8');
    expect(parseIdempotencyKey('"a \\"quoted\\" key"')).toBe('a "quoted" key');
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    for (const bad of ['', '""', 'x'.repeat(256), 'clé']) expect(() => parseIdempotencyKey(bad), bad).toThrow(InvalidHeaderError);
    expect(parseIdempotencyKey('x'.repeat(255))).toHaveLength(255);
  });

  it('takes ?wait= strictly and Prefer: wait= as a preference', () => {
    expect(parseWait('5', undefined)).toEqual({ seconds: 5, from: 'query' });
    expect(parseWait('0', undefined)).toBeUndefined();
    for (const bad of ['21', '-1', 'soon', '1.5']) expect(() => parseWait(bad, undefined), bad).toThrow(InvalidQueryError);
    expect(parseWait(undefined, 'respond-async, wait=10')).toEqual({ seconds: 10, from: 'prefer' });
    expect(parseWait(undefined, 'wait=100')).toEqual({ seconds: 20, from: 'prefer' });
    expect(parseWait(undefined, 'wait=99999999999999999999999')).toEqual({ seconds: 20, from: 'prefer' });
    expect(parseWait(undefined, 'handling=lenient')).toBeUndefined();
  });

  it('refuses unknown query parameters', () => {
    const body = JSON.stringify(makeEvent());
    expect(() => decodePublishRequest({ body, query: { wiat: '5' } })).toThrow(InvalidQueryError);
    expect(decodePublishRequest({ body, query: { wait: '3' }, idempotencyKey: 'k' })).toMatchObject({
      idempotencyKey: 'k',
      wait: { seconds: 3 },
    });
  });
});
