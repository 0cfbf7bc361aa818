import { describe, expect, it } from 'vitest';
import { maxMessageBytes, packEvents, readMessage } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { makeEvent } from '../support/events.ts';

const events = (count: number, payload = {}) => Array.from({ length: count }, () => eventSchema.parse(makeEvent({ payload })));

describe('packEvents', () => {
  it('packs up to eventsPerMessage events per message, keeping their request positions', () => {
    const messages = packEvents(events(250), { requestId: 'r', eventsPerMessage: 100, eventsPerTransaction: 97 });
    expect(messages.map((m) => m.indexes.length)).toEqual([100, 100, 50]);
    expect(messages[2]!.indexes[0]).toBe(200);
    expect(messages.map((m) => m.id)).toEqual(['r.0', 'r.1', 'r.2']);
  });

  it('never exceeds the SQS message size', () => {
    const messages = packEvents(events(30, { blob: 'x'.repeat(50_000) }), {
      requestId: 'r',
      eventsPerMessage: 100,
      eventsPerTransaction: 97,
    });
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) expect(Buffer.byteLength(message.body)).toBeLessThanOrEqual(maxMessageBytes);
  });

  it('round-trips through readMessage', () => {
    const [message] = packEvents(events(3), { requestId: 'r', eventsPerMessage: 10, eventsPerTransaction: 5 });
    const read = readMessage(message!.body, 'sqs-id', 97);
    expect(read).toMatchObject({ ok: true, envelope: { id: 'r.0', tx: 5 } });
  });

  it('rejects bodies that are not events', () => {
    expect(readMessage('[]', 'm', 97).ok).toBe(false);
    expect(readMessage('{"v":1,"id":"x","tx":1,"events":[{"topic":1}]}', 'm', 97).ok).toBe(false);
  });
});
