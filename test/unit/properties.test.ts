import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromEventItem, toEventItem } from '../../functions/adapters/items.ts';
import { consumeMessage } from '../../functions/domain/consume.ts';
import { packEvents, readMessage } from '../../functions/domain/envelope.ts';
import { DomainError } from '../../functions/domain/errors.ts';
import { eventKey, eventSchema, type LogEvent } from '../../functions/domain/event.ts';
import { parsePublishRequest } from '../../functions/domain/publish-request.ts';
import { toErrorReply } from '../../functions/shared/http.ts';
import { MemoryLedger } from '../support/memory-ledger.ts';

const name = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/\p{Cc}/u.test(s) && s.isWellFormed());
// Keys named like Object.prototype members are mixed in on purpose: an object rebuilt by assignment loses __proto__.
const payloadKey = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty') },
);
const payload = fc.dictionary(payloadKey, fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 });
const validEvent = fc.record({
  topic: name,
  event_id: name,
  timestamp: fc
    .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  source: name,
  payload,
});

const parse = (body: string, contentType = 'application/json') => parsePublishRequest({ body, contentType }).events;

describe('properties of the publish schema', () => {
  it('any JSON body is either accepted or rejected with a 4xx error that describes it', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        try {
          const events = parse(JSON.stringify(value));
          expect(events.length).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
          const { status } = toErrorReply(error);
          expect(status).toBeGreaterThanOrEqual(400);
          expect(status).toBeLessThan(500);
          expect((error as DomainError).message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('any string body is either accepted or rejected with a 4xx error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        try {
          parse(text);
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError);
          expect(toErrorReply(error).status).toBeLessThan(500);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('valid events are accepted, and their payload survives storage exactly', () => {
    fc.assert(
      fc.property(fc.array(validEvent, { minLength: 1, maxLength: 5 }), (events) => {
        const parsed = parse(JSON.stringify({ events }));
        parsed.forEach((event, i) => {
          const item = toEventItem(event, { deliveryId: 'd', storedAt: new Date().toISOString(), topicLane: 0, timeLane: 0 });
          const stored = fromEventItem(item as unknown as Record<string, unknown>);
          // The size the page cap relies on is exactly what /events serialises.
          expect(item.bytes).toBe(Buffer.byteLength(JSON.stringify(stored)));
          expect(JSON.stringify(stored.payload)).toBe(JSON.stringify(events[i]!.payload));
          expect(stored.timestamp).toBe(new Date(events[i]!.timestamp).toISOString());
        });
      }),
      { numRuns: 500 },
    );
  });

  it('packing and reading a message gives back the same events', () => {
    fc.assert(
      fc.property(fc.array(validEvent, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 30 }), (events, perMessage) => {
        const parsed = events.map((e) => eventSchema.parse(e));
        const messages = packEvents(parsed, { requestId: 'r', eventsPerMessage: perMessage, eventsPerTransaction: 95 });
        const read = messages.flatMap((m) => {
          const result = readMessage(m.body, 'id');
          return result.ok ? result.delivery.chunks.flatMap((chunk) => chunk.events) : [];
        });
        // Each chunk's events are where the message says they came from.
        expect(messages.flatMap((m) => m.chunks.flat())).toEqual(parsed.map((_, i) => i));
        // Compared as JSON text: JSON has no -0, so {"a": -0} travels as {"a": 0}, as it would over HTTP.
        expect(JSON.stringify(read)).toBe(JSON.stringify(parsed));
      }),
      { numRuns: 300 },
    );
  });
});

describe('properties of the consumer', () => {
  it('whatever the duplicates and redeliveries, the counters match the distinct deliveries exactly', async () => {
    const small = fc.record({
      topic: fc.constantFrom('a', 'b', 'c'),
      event_id: fc.constantFrom('1', '2', '3', '4', '5', '6'),
      timestamp: fc.constant('2026-11-22T10:00:00Z'),
      source: fc.constant('s'),
      payload: fc.constant({}),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(small, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 15 }),
        fc.integer({ min: 1, max: 4 }),
        async (requests, redeliveries, tx) => {
          const ledger = new MemoryLedger();
          const bodies = requests.flatMap((events, i) =>
            packEvents(
              events.map((e) => eventSchema.parse(e)),
              { requestId: `r${i}`, eventsPerMessage: 3, eventsPerTransaction: tx },
            ).map((m) => m.body),
          );
          const deliveries = [...bodies, ...redeliveries.map((n) => bodies[n % bodies.length]!)];
          await Promise.all(deliveries.map((body, i) => consumeMessage(body, `m${i}`, ledger, { counterShards: 3, peek: i % 2 === 0 })));
          const all: LogEvent[] = requests.flat().map((e) => eventSchema.parse(e));
          const received = [...ledger.counters.values()].reduce((sum, c) => sum + c.received, 0);
          const unique = [...ledger.counters.values()].reduce((sum, c) => sum + c.unique, 0);
          const duplicates = [...ledger.counters.values()].reduce((sum, c) => sum + c.duplicates, 0);
          expect(ledger.totals).toEqual({ received, unique, duplicates });
          expect(received).toBe(all.length);
          expect(unique).toBe(new Set(all.map(eventKey)).size);
          expect(received).toBe(unique + duplicates);
          expect(ledger.events.size).toBe(unique);
        },
      ),
      { numRuns: 300 },
    );
  });
});
