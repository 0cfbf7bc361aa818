import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { api, publish, topicSettled } from '../support/api.ts';
import { uniqueTopic } from '../support/events.ts';

describe('payloads round-trip through the pipeline', () => {
  it('returns every accepted payload from /events exactly as published', async () => {
    const topic = uniqueTopic('roundtrip');
    const payloads = fc.sample(fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 5 }), { maxKeys: 8 }), {
      numRuns: 60,
      seed: 7,
    });
    // Keys that an object rebuilt by assignment would swallow or misplace.
    payloads.push(JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":1},"hasOwnProperty":null}'));
    const events = payloads.map((payload, i) => ({
      topic,
      event_id: `p${String(i).padStart(3, '0')}`,
      timestamp: `2026-11-22T10:00:${String(i % 60).padStart(2, '0')}Z`,
      source: 'fast-check',
      payload,
    }));
    expect((await publish(events)).status).toBe(202);
    await topicSettled(topic, events.length);
    const { body } = await api(`/events?topic=${encodeURIComponent(topic)}&limit=1000`);
    const byId = new Map(body.events.map((e: any) => [e.event_id, e.payload]));
    for (const event of events)
      expect(JSON.stringify(byId.get(event.event_id))).toBe(JSON.stringify(JSON.parse(JSON.stringify(event.payload))));
  });
});
