import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkWrites, maxChunkWrites, planChunks } from '../../functions/domain/chunks.ts';
import { maxMessageBytes, packEvents, queueSafeJson, readMessage } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { projectRoot } from '../../scripts/lib/stack.ts';
import { makeEvent } from '../support/events.ts';

const events = (count: number, payload = {}, topics = 1) =>
  Array.from({ length: count }, (_, i) => eventSchema.parse(makeEvent({ payload, topic: `t${i % topics}` })));
const recorded = (name: string) => readFileSync(join(projectRoot, 'test/fixtures/envelopes', name), 'utf8').trim();

describe('packEvents', () => {
  it('packs up to eventsPerMessage events per message, keeping their request positions', () => {
    const messages = packEvents(events(250), { requestId: 'r', eventsPerMessage: 100, eventsPerTransaction: 95 });
    expect(messages.map((m) => m.chunks.flatMap((c) => c.positions).length)).toEqual([100, 100, 50]);
    expect(messages[2]!.chunks[0]!.positions[0]).toBe(200);
    expect(messages.map((m) => m.chunks.map((c) => c.id))).toEqual([['r/0-94', 'r/95-99'], ['r/100-194', 'r/195-199'], ['r/200-249']]);
  });

  it('never exceeds the SQS message size', () => {
    const messages = packEvents(events(30, { blob: 'x'.repeat(50_000) }), {
      requestId: 'r',
      eventsPerMessage: 100,
      eventsPerTransaction: 95,
    });
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) expect(Buffer.byteLength(message.body)).toBeLessThanOrEqual(maxMessageBytes);
  });

  it('fixes each message’s chunks at publish, within one transaction’s budget', () => {
    for (const topics of [1, 5, 40, 100]) {
      for (const message of packEvents(events(500, {}, topics), { requestId: 'r', eventsPerMessage: 100, eventsPerTransaction: 95 })) {
        const read = readMessage(message.body, 'sqs-id');
        if (!read.ok) throw new Error(read.reason);
        for (const chunk of read.delivery.chunks) expect(chunkWrites(chunk.events)).toBeLessThanOrEqual(maxChunkWrites);
        // The consumer derives the very chunk ids publish waits on.
        expect(read.delivery.chunks.map((c) => c.id)).toEqual(message.chunks.map((c) => c.id));
      }
    }
  });

  it('counts distinct events against the chunk budget, so repeats share a chunk', () => {
    const event = eventSchema.parse(makeEvent({ topic: 't' }));
    const other = eventSchema.parse(makeEvent({ topic: 't' }));
    expect(planChunks([event, event, event, other, event], { maxEvents: 2, maxWrites: 96 })).toEqual([[0, 1, 2, 3, 4]]);
    expect(planChunks([event, other, eventSchema.parse(makeEvent({ topic: 't' }))], { maxEvents: 2, maxWrites: 96 })).toEqual([
      [0, 1],
      [2],
    ]);
  });
});

describe('the queue’s character rule (SQS, on AWS and in the emulator)', () => {
  // #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF, as AWS documents it for message bodies.
  const sqsAllows = (text: string) => /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u.test(text);

  it('writes every message body in the characters SQS takes, and reads back every character as sent', () => {
    const payload = {
      nonchars: '\uffff\ufffe\ufdd0',
      controls: '\u0000\u0008\u001b\u007f\u0085',
      lone: '\ud800x\udfff',
      astral: '𝄞\u{10ffff}',
    };
    const event = eventSchema.parse(makeEvent({ topic: 'chars\uffff', payload }));
    expect(sqsAllows(JSON.stringify(event))).toBe(false);
    const [message] = packEvents([event], { requestId: 'r', eventsPerMessage: 10, eventsPerTransaction: 95 });
    expect(sqsAllows(message!.body)).toBe(true);
    const read = readMessage(message!.body, 'm');
    if (!read.ok) throw new Error(read.reason);
    expect(read.delivery.chunks[0]!.events[0]).toEqual(event);
  });

  it('escapes only what it must', () => {
    expect(queueSafeJson({ a: 'plain é 𝄞' })).toBe('{"a":"plain é 𝄞"}');
    expect(queueSafeJson('\uffff')).toBe('"\\uffff"');
  });

  it('gives text in SQS’s character set that reads back as the value, for any string a client can send', () => {
    // Any UTF-16 code units: lone surrogates, controls and the non-characters U+FFFE and U+FFFF included.
    const anyText = fc.string({
      unit: fc.oneof(
        fc.constantFrom('\ufffe', '\uffff', '\ud800', '\udfff', '\u0000', '𝄞'),
        fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      ),
    });
    fc.assert(
      fc.property(fc.dictionary(anyText, anyText), anyText, (object, text) => {
        for (const value of [object, text]) {
          const safe = queueSafeJson(value);
          expect(sqsAllows(safe)).toBe(true);
          expect(JSON.parse(safe)).toEqual(value);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('readMessage', () => {
  it('derives each chunk’s id from its request and its events’ positions', () => {
    const body = packEvents(events(5), { requestId: 'req', eventsPerMessage: 10, eventsPerTransaction: 2 })[0]!.body;
    const read = readMessage(body, 'sqs-id');
    if (!read.ok) throw new Error(read.reason);
    expect(read.delivery.id).toBe('req/0');
    expect(read.delivery.chunks.map((c) => [c.id, c.events.length])).toEqual([
      ['req/0-1', 2],
      ['req/2-3', 2],
      ['req/4-4', 1],
    ]);
  });

  it('reads a bare event sent straight to the queue, keyed by the SQS message id', () => {
    const read = readMessage(recorded('bare-event.json'), 'sqs-1');
    expect(read).toMatchObject({ ok: true, delivery: { id: 'sqs:sqs-1', chunks: [{ id: 'sqs:sqs-1' }] } });
  });

  it('does not re-judge accepted events by today’s rules: only their structure', () => {
    // A timestamp without a zone and a 300-character topic break today's rules, not the stored shape.
    const old = {
      v: 3,
      request: 'old',
      first: 0,
      chunks: [[{ topic: 'x'.repeat(300), event_id: 'e', timestamp: '2026-11-22T10:00:00', source: 's', payload: {} }]],
    };
    expect(readMessage(JSON.stringify(old), 'm').ok).toBe(true);
  });

  it.each([
    ['not json', 'body is not JSON'],
    ['[]', 'not a JSON object'],
    ['{"v":4,"request":"x","first":0,"chunks":[]}', 'version 4'],
    ['{"v":2,"id":"x","chunks":[[]]}', 'version 2'],
    ['{"v":3,"request":"x","first":0,"chunks":[[]]}', 'not a valid envelope'],
    [
      '{"v":3,"request":"x","first":-1,"chunks":[[{"topic":"t","event_id":"e","timestamp":"t","source":"s","payload":{}}]]}',
      'not a valid envelope',
    ],
    ['{"topic":"t","event_id":"e","timestamp":"2026-11-22T10:00:00Z","source":"s","extra":1}', 'not an event'],
  ])('calls %s unreadable, saying why', (body, reason) => {
    const read = readMessage(body, 'm');
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.reason).toContain(reason);
  });
});
