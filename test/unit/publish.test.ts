import { describe, expect, it } from 'vitest';
import { consumeMessage } from '../../functions/domain/consume.ts';
import type { PackedMessage } from '../../functions/domain/envelope.ts';
import {
  IdempotencyInProgressError,
  IdempotencyKeyReusedError,
  InvalidHeaderError,
  InvalidQueryError,
} from '../../functions/domain/errors.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { fingerprintOf, parseIdempotencyKey, requestIdFor, scopedKey } from '../../functions/domain/idempotency.ts';
import type { EventQueue } from '../../functions/domain/ingest.ts';
import type { OutcomeReader } from '../../functions/domain/outcomes.ts';
import { type PublishServices, publish } from '../../functions/domain/publish.ts';
import { parsePublishRequest } from '../../functions/domain/publish-request.ts';
import { parseWait } from '../../functions/domain/wait.ts';
import { makeEvent } from '../support/events.ts';
import { MemoryGuard } from '../support/memory-guard.ts';
import { MemoryLedger } from '../support/memory-ledger.ts';

/** A queue whose messages a consumer applies at once (or never, when `consume` is false), into a memory ledger. */
function pipeline(consume = true) {
  const ledger = new MemoryLedger();
  const sent: PackedMessage[] = [];
  const queue: EventQueue = {
    async sendAll(messages) {
      sent.push(...messages);
      if (consume) for (const m of messages) await consumeMessage(m.body, m.id, ledger, { counterShards: 2 });
      return { failedIds: [] };
    },
  };
  const outcomes: OutcomeReader = {
    async outcomesOf(ids) {
      return new Map(ids.flatMap((id) => (ledger.markers.has(id) ? [[id, ledger.markers.get(id)!] as [string, string]] : [])));
    },
  };
  const services: PublishServices = {
    queue,
    outcomes,
    guard: new MemoryGuard(),
    packing: { eventsPerMessage: 100, eventsPerTransaction: 95 },
  };
  return { ledger, sent, services };
}

const events = (...ids: string[]) => ids.map((id) => eventSchema.parse(makeEvent({ topic: 't', event_id: id })));
const budget = { waitLimitMs: 2000 };

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

  it('refuses the same key with another body, and a second request while the first is in flight', async () => {
    const { services } = pipeline();
    await publish({ events: events('a'), caller: 'k1', idempotencyKey: 'x' }, services, budget);
    await expect(publish({ events: events('b'), caller: 'k1', idempotencyKey: 'x' }, services, budget)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    const guard = services.guard as MemoryGuard;
    guard.records.set(scopedKey('k1', 'busy'), { fingerprint: fingerprintOf(events('a')), state: 'in-progress' });
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

  it('derives the request id from the key, so a retry after a lost record still carries the same delivery ids', async () => {
    const first = pipeline();
    const second = pipeline();
    const a = await publish({ events: events('a'), caller: 'k', idempotencyKey: 'retry-me' }, first.services, budget);
    const b = await publish({ events: events('a'), caller: 'k', idempotencyKey: 'retry-me' }, second.services, budget);
    expect(b.request_id).toBe(a.request_id);
    expect(second.sent[0]!.id).toBe(first.sent[0]!.id);
    expect(a.request_id).toBe(requestIdFor(scopedKey('k', 'retry-me')));
  });

  it('uses a fresh request id without a key', async () => {
    const { services } = pipeline();
    const a = await publish({ events: events('a'), caller: 'k' }, services, budget);
    const b = await publish({ events: events('a'), caller: 'k' }, services, budget);
    expect(a.request_id).not.toBe(b.request_id);
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
    expect(result.events!.map((e) => [e.index, e.event_id, e.outcome])).toEqual([
      [0, 'new', 'stored'],
      [1, 'old', 'duplicate'],
      [2, 'new', 'duplicate'],
    ]);
  });

  it('answers accepted with the events still pending when the wait runs out', async () => {
    const { services } = pipeline(false);
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
    expect(parseWait(undefined, 'handling=lenient')).toBeUndefined();
  });

  it('refuses unknown query parameters', () => {
    const body = JSON.stringify(makeEvent());
    expect(() => parsePublishRequest({ body, query: { wiat: '5' } })).toThrow(InvalidQueryError);
    expect(parsePublishRequest({ body, query: { wait: '3' }, idempotencyKey: 'k' })).toMatchObject({
      idempotencyKey: 'k',
      wait: { seconds: 3 },
    });
  });
});
