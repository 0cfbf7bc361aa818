import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkWrites, maxChunkWrites, planChunks } from '../../functions/domain/chunks.ts';
import { maxMessageBytes, packEvents, readMessage } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { projectRoot } from '../../scripts/lib/stack.ts';
import { makeEvent } from '../support/events.ts';

const events = (count: number, payload = {}, topics = 1) =>
  Array.from({ length: count }, (_, i) => eventSchema.parse(makeEvent({ payload, topic: `t${i % topics}` })));
const recorded = (name: string) => readFileSync(join(projectRoot, 'test/fixtures/envelopes', name), 'utf8').trim();

describe('packEvents', () => {
  it('packs up to eventsPerMessage events per message, keeping their request positions', () => {
    const messages = packEvents(events(250), { requestId: 'r', eventsPerMessage: 100, eventsPerTransaction: 95 });
    expect(messages.map((m) => m.chunks.flat().length)).toEqual([100, 100, 50]);
    expect(messages[2]!.chunks[0]![0]).toBe(200);
    expect(messages.map((m) => m.id)).toEqual(['r.0', 'r.1', 'r.2']);
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
        expect(read.delivery.version).toBe(2);
        for (const chunk of read.delivery.chunks) expect(chunkWrites(chunk.events)).toBeLessThanOrEqual(maxChunkWrites);
        expect(read.delivery.chunks.map((c) => c.markerId)).toEqual(read.delivery.chunks.map((_, i) => `${message.id}#${i}`));
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

describe('readMessage, every version any release wrote', () => {
  it('reads a recorded version 1 message with version 1’s own split', () => {
    const read = readMessage(recorded('v1.json'), 'sqs-id');
    if (!read.ok) throw new Error(read.reason);
    expect(read.delivery).toMatchObject({ id: 'recorded-v1-0000.0', version: 1 });
    expect(read.delivery.chunks.map((c) => [c.markerId, c.events.map((e) => e.event_id)])).toEqual([
      ['recorded-v1-0000.0#0', ['evt-1', 'evt-2', 'evt-1']],
      ['recorded-v1-0000.0#1', ['evt-1']],
    ]);
  });

  it('reads a bare event sent straight to the queue, keyed by the SQS message id', () => {
    const read = readMessage(recorded('bare-event.json'), 'sqs-1');
    expect(read).toMatchObject({ ok: true, delivery: { id: 'sqs:sqs-1', version: 0, chunks: [{ markerId: 'sqs:sqs-1#0' }] } });
  });

  it('does not re-judge accepted events by today’s rules: only their structure', () => {
    // A timestamp without a zone and a 300-character topic break today's rules, not the stored shape.
    const old = {
      v: 1,
      id: 'old',
      tx: 5,
      events: [{ topic: 'x'.repeat(300), event_id: 'e', timestamp: '2026-11-22T10:00:00', source: 's', payload: {} }],
    };
    expect(readMessage(JSON.stringify(old), 'm').ok).toBe(true);
  });

  it.each([
    ['not json', 'body is not JSON'],
    ['[]', 'not a JSON object'],
    ['{"v":3,"id":"x","chunks":[]}', 'version 3'],
    ['{"v":1,"id":"x","tx":1,"events":[{"topic":1}]}', 'version 1 envelope'],
    ['{"v":2,"id":"x","chunks":[[]]}', 'version 2 envelope'],
    ['{"topic":"t","event_id":"e","timestamp":"2026-11-22T10:00:00Z","source":"s","extra":1}', 'not an event'],
  ])('calls %s unreadable, saying why', (body, reason) => {
    const read = readMessage(body, 'm');
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.reason).toContain(reason);
  });
});
