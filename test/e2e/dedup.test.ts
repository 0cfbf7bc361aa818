import { describe, expect, it, vi } from 'vitest';
import { api, publish, topicSettled } from '../support/api.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

describe('dedup, through the deployed API', () => {
  it('stores the same event published twice once: stats 2/1/1', async () => {
    const topic = uniqueTopic('twice');
    const event = makeEvent({ topic });
    expect((await publish(event)).status).toBe(202);
    expect((await publish(event)).status).toBe(202);
    expect(await topicSettled(topic, 2)).toEqual({ received: 2, unique_processed: 1, duplicate_dropped: 1 });
    const page = await api(`/events?topic=${encodeURIComponent(topic)}`);
    expect(page.body.events).toHaveLength(1);
  });

  it('treats the same event_id in two topics as two events', async () => {
    const [first, second] = [uniqueTopic('a'), uniqueTopic('b')];
    await publish([makeEvent({ topic: first, event_id: 'same' }), makeEvent({ topic: second, event_id: 'same' })]);
    expect(await topicSettled(first, 1)).toMatchObject({ unique_processed: 1 });
    expect(await topicSettled(second, 1)).toMatchObject({ unique_processed: 1 });
  });

  it('counts duplicates inside one batch', async () => {
    const topic = uniqueTopic('in-batch');
    const [a, b] = [makeEvent({ topic }), makeEvent({ topic })];
    const { body } = await publish([a, b, a, a, b, makeEvent({ topic })]);
    expect(body).toMatchObject({ status: 'accepted', accepted: 6, request_id: expect.any(String) });
    expect(await topicSettled(topic, 6)).toEqual({ received: 6, unique_processed: 3, duplicate_dropped: 3 });
  });

  it('keeps the payload exactly as published', async () => {
    const topic = uniqueTopic('payload');
    const payload = {
      text: 'héllo \u2028 "quoted" 🚀',
      n: 1.5,
      big: 9007199254740991,
      neg: -0.001,
      nested: { a: [1, { b: null }], empty: {} },
    };
    await publish(makeEvent({ topic, payload, timestamp: '2026-11-22T12:00:00.123+01:00' }));
    const stored = await vi.waitFor(
      async () => {
        const [event] = (await api(`/events?topic=${encodeURIComponent(topic)}`)).body.events;
        expect(event, 'the event stored').toBeDefined();
        return event;
      },
      { timeout: 60_000, interval: 250 },
    );
    expect(stored.payload).toEqual(payload);
    expect(stored.timestamp).toBe('2026-11-22T11:00:00.123Z');
  });
});
