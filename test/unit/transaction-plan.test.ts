import { describe, expect, it } from 'vitest';
import { eventSchema } from '../../functions/domain/event.ts';
import { planChunks } from '../../functions/domain/transaction-plan.ts';
import { makeEvent } from '../support/events.ts';

const envelope = (count: number, topics: number, tx = 97) => ({
  v: 1 as const,
  id: 'd',
  tx,
  events: Array.from({ length: count }, (_, i) => eventSchema.parse(makeEvent({ topic: `t${i % topics}` }))),
});

describe('planChunks', () => {
  it('keeps every transaction within 100 actions: puts + topic counters + marker', () => {
    for (const topics of [1, 5, 40]) {
      for (const chunk of planChunks(envelope(500, topics))) {
        const actions = chunk.events.length + new Set(chunk.events.map((e) => e.topic)).size + 1;
        expect(actions).toBeLessThanOrEqual(100);
      }
    }
  });

  it('honours the transaction size and splits the same way every time', () => {
    const message = envelope(10, 2, 3);
    const chunks = planChunks(message);
    expect(chunks.map((c) => c.events.length)).toEqual([3, 3, 3, 1]);
    expect(planChunks(message)).toEqual(chunks);
    expect(chunks.map((c) => c.markerId)).toEqual(['d#0', 'd#1', 'd#2', 'd#3']);
  });

  it('counts distinct events against the transaction size, so repeats share a transaction', () => {
    const event = eventSchema.parse(makeEvent({ topic: 't' }));
    const message = { v: 1 as const, id: 'd', tx: 2, events: [event, event, event, eventSchema.parse(makeEvent({ topic: 't' })), event] };
    expect(planChunks(message).map((c) => c.events.length)).toEqual([5]);
  });
});
