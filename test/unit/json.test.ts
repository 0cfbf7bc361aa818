import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packEvents, readMessage } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { parseJson } from '../../functions/domain/json.ts';
import { decodePublishRequest } from '../../functions/edge/publish-http.ts';
import { makeEvent } from '../support/events.ts';

// V8's fault (nodejs/node#63785): once an object with the keys "h" and "\" has been parsed, a later
// object with "h" and an escaped key reads that key back as "\".
const poison = String.raw`{"h":[],"\\":0}`;

const publishBody = (payload: string) => ({
  body: `[{"topic":"t","event_id":"e","timestamp":"2026-11-22T10:00:00Z","source":"s","payload":${payload}}]`,
  isBase64Encoded: false,
  contentType: 'application/json',
  query: null,
  idempotencyKey: undefined,
  prefer: undefined,
});

describe('parseJson', () => {
  it('keeps a key written with an escape as sent, after a look-alike key was read in the same process', () => {
    JSON.parse(poison);
    for (const [text, key] of [
      [String.raw`{"h":1,"\n":2}`, '\n'],
      [String.raw`{"h":1,"\"":2}`, '"'],
      [String.raw`{"h":1,"\u0061":2}`, 'a'],
    ] as const) {
      expect(Object.keys(parseJson(text) as object)).toEqual(['h', key]);
    }
  });

  it('publish and the consumer keep such a key as the client sent it', () => {
    decodePublishRequest(publishBody(poison));
    const [event] = decodePublishRequest(publishBody(String.raw`{"h":1,"\n":2}`)).events;
    expect(Object.keys(event!.payload)).toEqual(['h', '\n']);

    readMessage(
      packEvents([eventSchema.parse(makeEvent({ payload: { h: [], '\\': 0 } }))], {
        requestId: 'p',
        eventsPerMessage: 10,
        eventsPerTransaction: 95,
      })[0]!.body,
      'm',
    );
    const sent = eventSchema.parse(makeEvent({ payload: { h: 1, '"': 2, '\n': 3 } }));
    const read = readMessage(packEvents([sent], { requestId: 'r', eventsPerMessage: 10, eventsPerTransaction: 95 })[0]!.body, 'm');
    if (!read.ok) throw new Error(read.reason);
    expect(Object.keys(read.delivery.chunks[0]!.events[0]!.payload)).toEqual(['h', '"', '\n']);
  });

  it('reads any JSON value back as JSON.stringify wrote it, keys with escapes included', () => {
    const key = fc.oneof(
      fc.constantFrom('h', '\\', '"', '\n', '__proto__', '', 'q\\', '0', '10', '\u2028', '\ud800'),
      fc.string({ maxLength: 4 }),
    );
    const value = fc.letrec((tie) => ({
      any: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(null, true, false, 0, -0.5, 1e21, 5e-324, 'a\\b', '\u0000'),
        fc.string({ maxLength: 6 }),
        fc.array(tie('any'), { maxLength: 4 }),
        fc.array(fc.tuple(key, tie('any')), { maxLength: 5 }).map((members) => {
          const object: Record<string, unknown> = {};
          for (const [name, member] of members)
            Object.defineProperty(object, name, { value: member, writable: true, enumerable: true, configurable: true });
          return object;
        }),
      ),
    })).any;
    fc.assert(
      fc.property(value, fc.constantFrom(undefined, 1), (sent, indent) => {
        JSON.parse(poison);
        const text = JSON.stringify(sent, null, indent);
        expect(JSON.stringify(parseJson(text))).toBe(JSON.stringify(sent));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads repeated keys and __proto__ as JSON.parse does, and refuses what JSON.parse refuses', () => {
    const text = String.raw`{"a":1,"b\u0022":2,"a":3,"__proto__":{"x":1}," \\":[true,false,null,-1.5e3]}`;
    const read = parseJson(text) as Record<string, unknown>;
    expect(Object.keys(read)).toEqual(['a', 'b"', '__proto__', ' \\']);
    expect(read.a).toBe(3);
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(read, '__proto__')?.value).toEqual({ x: 1 });
    expect(read[' \\']).toEqual([true, false, null, -1500]);
    expect(() => parseJson('{"a\\":1')).toThrow(SyntaxError);
  });

  it('reads a document nested 100,000 deep without running out of stack', () => {
    const depth = 100_000;
    let read = parseJson(`${'[{"\\n":'.repeat(depth)}1${'}]'.repeat(depth)}`);
    for (let level = 0; level < depth; level++) read = ((read as unknown[])[0] as Record<string, unknown>)['\n'];
    expect(read).toBe(1);
  });
});
