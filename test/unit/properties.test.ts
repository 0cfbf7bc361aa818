import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromEventItem, timeKey, toEventItem, travellingBytes } from '../../functions/adapters/items.ts';
import { consumeMessage } from '../../functions/domain/consume.ts';
import { packEvents, readMessage } from '../../functions/domain/envelope.ts';
import { DomainError } from '../../functions/domain/errors.ts';
import { eventSchema, type LogEvent } from '../../functions/domain/event.ts';
import { eventKey } from '../../functions/domain/identity.ts';
import { limits } from '../../functions/domain/limits.ts';
import { parseTimestamp } from '../../functions/domain/timestamp.ts';
import { decodePublishRequest } from '../../functions/edge/publish-http.ts';
import { toErrorReply } from '../../functions/shared/http.ts';
import { MemoryLedger } from '../support/memory-ledger.ts';

/**
 * Generators that reach where clients do: every plane of Unicode with the characters that break
 * things mixed in on purpose (noncharacters SQS refuses, lone surrogates, controls, separators,
 * invisible marks), every timestamp precision and offset, fields at their length limit, payloads at
 * and past the depth limit.
 */
const awkward = fc.constantFrom(
  '\uffff',
  '\ufffe',
  '\ufdd0',
  '\u{1fffe}',
  '\u{10ffff}',
  '\ud800',
  '\udfff',
  '\u0000',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u2028',
  '\u200b',
  '\ufeff',
  '\u00a0',
  ' ',
  '"',
  '\\',
  '𝄞',
  'é',
  '界',
);
const anyChar = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: awkward },
);
const anyString = (maxLength: number, minLength = 0) => fc.string({ unit: anyChar, minLength, maxLength });
/** A name as clients send them: usually fine, sometimes blank, too long or full of what must be refused. */
const anyName = fc.oneof(
  { weight: 4, arbitrary: anyString(40, 1) },
  { weight: 1, arbitrary: anyString(limits.maxFieldChars + 2, limits.maxFieldChars - 2) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u3000', 'x'.repeat(limits.maxFieldChars), '𝄞'.repeat(limits.maxFieldChars / 2)) },
);
const validName = anyName.filter((s) => eventSchema.shape.topic.safeParse(s).success);

const two = (min: number, max: number) => fc.integer({ min, max }).map((n) => String(n).padStart(2, '0'));
/** RFC 3339 with every precision (none to nine digits, and more) and offset, near the edges of the years allowed. */
const anyTimestamp = fc
  .record({
    year: fc.oneof(fc.integer({ min: 1, max: 9999 }), fc.constantFrom(1, 2, 99, 100, 1969, 1970, 2026, 9998, 9999)),
    month: two(1, 12),
    day: two(1, 31),
    time: fc.tuple(two(0, 23), two(0, 59), two(0, 59)).map((parts) => parts.join(':')),
    fraction: fc.oneof(fc.constant(''), fc.stringMatching(/^\.\d{1,10}$/)),
    zone: fc.oneof(
      fc.constantFrom('Z', 'z', '+00:00', '-00:00'),
      fc.tuple(fc.constantFrom('+', '-'), two(0, 23), two(0, 59)).map(([s, h, m]) => `${s}${h}:${m}`),
    ),
    t: fc.constantFrom('T', 't'),
  })
  .map(({ year, month, day, time, fraction, zone, t }) => `${String(year).padStart(4, '0')}-${month}-${day}${t}${time}${fraction}${zone}`);

/** Nanoseconds since the epoch of an RFC 3339 text the parser accepted, computed independently of it. */
function nanosOf(text: string): bigint {
  const match = /^(.{19})(?:\.(\d+))?(Z|z|[+-]\d\d:\d\d)$/.exec(text.replace(/t/, 'T'))!;
  const millis = Date.parse(`${match[1]}${match[3]!.toUpperCase()}`);
  // Date.parse reads years 0-99 as they are in ISO form, so this is exact for every year allowed.
  return BigInt(millis) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0').slice(0, 9) || '0');
}

const payloadOf = (depth: number) => fc.jsonValue({ maxDepth: depth, stringUnit: anyChar as never }).map((value) => ({ v: value }));
const validEvent = fc.record({
  topic: validName,
  event_id: validName,
  timestamp: anyTimestamp.filter((t) => parseTimestamp(t).ok),
  source: validName,
  payload: payloadOf(4),
});

const parse = (body: string, contentType = 'application/json') => decodePublishRequest({ body, contentType }).events;

function expectClientError(error: unknown): void {
  expect(error).toBeInstanceOf(DomainError);
  const { status } = toErrorReply(error);
  expect(status).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
  expect((error as DomainError).message.length).toBeGreaterThan(0);
}

describe('properties of the publish request', () => {
  it('any JSON body is either accepted or rejected with a 4xx error that describes it', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6, stringUnit: anyChar as never }), (value) => {
        try {
          expect(parse(JSON.stringify(value)).length).toBeGreaterThan(0);
        } catch (error) {
          expectClientError(error);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('any string body, whatever its characters, is either accepted or rejected with a 4xx error', () => {
    fc.assert(
      fc.property(anyString(300), (text) => {
        try {
          parse(text);
        } catch (error) {
          expectClientError(error);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('any event, with names and timestamps of every kind, is accepted exactly as sent or refused with 422 naming the field', () => {
    const candidate = fc.record({ topic: anyName, event_id: anyName, timestamp: anyTimestamp, source: anyName, payload: payloadOf(3) });
    fc.assert(
      fc.property(candidate, (event) => {
        let accepted: LogEvent;
        try {
          [accepted] = parse(JSON.stringify(event)) as [LogEvent];
        } catch (error) {
          expectClientError(error);
          expect(toErrorReply(error).status).toBe(422);
          for (const detail of (error as DomainError).details)
            expect(detail.path).toMatch(/^events\[0\]\.(topic|event_id|timestamp|source)$/);
          return;
        }
        expect([accepted.topic, accepted.event_id, accepted.source]).toEqual([event.topic, event.event_id, event.source]);
        // Within the length DynamoDB's key limits were worked out for (UTF-16 code units), and something a person can see.
        for (const name of [accepted.topic, accepted.event_id, accepted.source]) {
          expect(name.length).toBeLessThanOrEqual(limits.maxFieldChars);
          expect(name.isWellFormed() && name.trim().length > 0).toBe(true);
        }
        expect(accepted.timestamp.split('.')[1]?.replace('Z', '') ?? '').toBe(/\.(\d+)/.exec(event.timestamp)?.[1] ?? '');
        expect(nanosOf(accepted.timestamp)).toBe(nanosOf(event.timestamp));
        expect(JSON.stringify(accepted.payload)).toBe(JSON.stringify(event.payload));
      }),
      { numRuns: 3000 },
    );
  });

  it('orders time keys exactly as the instants they stand for, whatever the digits and offsets', () => {
    const accepted = anyTimestamp.filter((t) => parseTimestamp(t).ok);
    fc.assert(
      fc.property(accepted, accepted, (a, b) => {
        const [ka, kb] = [a, b].map((timestamp) => {
          const parsed = parseTimestamp(timestamp);
          if (!parsed.ok) throw new Error(parsed.problem);
          return timeKey({ topic: 't', event_id: 'e', timestamp: parsed.value.text });
        }) as [string, string];
        const [na, nb] = [nanosOf(a), nanosOf(b)];
        expect(ka < kb ? -1 : ka > kb ? 1 : 0).toBe(na < nb ? -1 : na > nb ? 1 : 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('payloads at the depth limit are accepted and one level past it refused, however they nest', () => {
    const nest = (depth: number, key: string, asArray: boolean[]) => {
      let value: unknown = 1;
      for (let level = depth; level > 0; level--) value = asArray[level % asArray.length] && level > 1 ? [value] : { [key]: value };
      return value as Record<string, unknown>;
    };
    fc.assert(
      fc.property(anyString(5), fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }), (key, asArray) => {
        const event = (payload: unknown) =>
          JSON.stringify({ topic: 't', event_id: 'e', timestamp: '2026-11-22T10:00:00Z', source: 's', payload });
        expect(parse(event(nest(limits.maxPayloadDepth, key, asArray)))).toHaveLength(1);
        try {
          parse(event(nest(limits.maxPayloadDepth + 1, key, asArray)));
          expect.unreachable('one level too deep was accepted');
        } catch (error) {
          expectClientError(error);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('valid events survive storage exactly, and the page cap’s size is what /events’ Lambda answer carries', () => {
    fc.assert(
      fc.property(fc.array(validEvent, { minLength: 1, maxLength: 5 }), (events) => {
        const parsed = parse(JSON.stringify({ events }));
        parsed.forEach((event, i) => {
          const item = toEventItem(event, { chunkId: 'r/0-0', storedAt: new Date().toISOString(), topicLane: 0, timeLane: 0 });
          const stored = fromEventItem(item as unknown as Record<string, unknown>);
          expect(item.bytes).toBe(travellingBytes(JSON.stringify(stored)));
          expect(item.bytes).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(stored)));
          expect(JSON.stringify(stored.payload)).toBe(JSON.stringify(events[i]!.payload));
          expect(nanosOf(stored.timestamp)).toBe(nanosOf(events[i]!.timestamp));
        });
      }),
      { numRuns: 500 },
    );
  });

  it('packing and reading a message gives back the same events, whatever characters they hold', () => {
    fc.assert(
      fc.property(fc.array(validEvent, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 30 }), (events, perMessage) => {
        const parsed = parse(JSON.stringify(events));
        const messages = packEvents(parsed, { requestId: 'r', eventsPerMessage: perMessage, eventsPerTransaction: 95 });
        const read = messages.flatMap((m) => {
          const result = readMessage(m.body, 'id');
          if (!result.ok) throw new Error(result.reason);
          return result.delivery.chunks.flatMap((chunk) => chunk.events);
        });
        expect(messages.flatMap((m) => m.chunks.flatMap((chunk) => chunk.positions))).toEqual(parsed.map((_, i) => i));
        for (const message of messages) expect(message.body).toMatch(/^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u);
        expect(read).toEqual(parsed);
      }),
      { numRuns: 300 },
    );
  });
});

describe('properties of the consumer', () => {
  it('whatever the duplicates and redeliveries, each distinct event is stored once and the counters equal what was sent', async () => {
    const small = fc.record({
      topic: fc.constantFrom('a', 'b', 'c'),
      event_id: fc.constantFrom('1', '2', '3', '4', '5', '6'),
      timestamp: fc.constant('2026-11-22T10:00:00Z'),
      source: fc.constant('s'),
      payload: fc.record({ n: fc.nat(3) }),
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
          await Promise.all(
            deliveries.map((body, i) => consumeMessage(body, `m${i}`, ledger, { counterShards: 3, totalsShards: 5, peek: i % 2 === 0 })),
          );
          const sent: LogEvent[] = requests.flat().map((e) => eventSchema.parse(e));
          const distinct = new Set(sent.map(eventKey));
          // Counted against what was sent, not against each other.
          expect(ledger.totals).toEqual({ received: sent.length, unique: distinct.size, duplicates: sent.length - distinct.size });
          for (const topic of ['a', 'b', 'c']) {
            const mine = sent.filter((e) => e.topic === topic);
            const counts = ledger.counters.get(topic);
            const unique = new Set(mine.map(eventKey)).size;
            expect(counts ?? { received: 0, unique: 0, duplicates: 0 }).toEqual({
              received: mine.length,
              unique,
              duplicates: mine.length - unique,
            });
          }
          expect(new Set(ledger.events.keys())).toEqual(distinct);
        },
      ),
      { numRuns: 300 },
    );
  });
});
