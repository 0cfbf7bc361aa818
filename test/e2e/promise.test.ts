import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { api, postJson, topicSettled } from '../support/api.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

/**
 * The promise, held end to end against the paths a careful or hostile client takes: nothing
 * answered 2xx is lost, a retry is safe, no input answers 5xx, and nothing accepted is changed.
 */
const keyed = (body: unknown, key: string, query = '') => postJson(`/publish${query}`, body, { 'idempotency-key': key });

const storedOf = async (topic: string, query = '') => (await api(`/events?topic=${encodeURIComponent(topic)}&limit=1000${query}`)).body;

describe('a keyed retry after 503 not_enqueued', () => {
  it.each(['the named events', 'the whole body'])(
    'stores every event once when the client re-sends %s under the same key',
    async (what) => {
      const topic = uniqueTopic('keyed-retry');
      const until = new Date(Date.now() + 4000).toISOString();
      // 300 events pack into three messages of 100; an event in the second asks SQS to refuse it for 4 s.
      const events = Array.from({ length: 300 }, (_, i) =>
        makeEvent({ topic, event_id: `e${i}`, payload: i === 150 ? { _idemlog_fault: { mode: 'refuse_enqueue', until } } : { i } }),
      );
      const key = randomUUID();
      const first = await keyed(events, key);
      expect(first.status).toBe(503);
      expect(first.body).toMatchObject({ error: 'not_enqueued', accepted: 200 });
      const named: number[] = first.body.details.map((d: { index: number }) => d.index);
      expect(named).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));

      await sleep(4500);
      const retry = await keyed(what === 'the whole body' ? events : named.map((i) => events[i]), key, '?wait=15');
      expect(retry.status).toBe(200);
      expect(retry.body.events.every((e: { outcome: string }) => e.outcome === 'stored')).toBe(true);
      expect(await topicSettled(topic, 300)).toEqual({ received: 300, unique_processed: 300, duplicate_dropped: 0 });
      const stored = await storedOf(topic);
      expect(new Set(stored.events.map((e: { event_id: string }) => e.event_id))).toEqual(new Set(events.map((e) => e.event_id)));
    },
  );
});

describe('no input a client can send answers 5xx', () => {
  it('answers 4xx to a balanced body nested 20,000 deep, and to a payload nested 20,000 deep', async () => {
    const bomb = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const body = await postJson('/publish', bomb);
    expect(body.status).toBeGreaterThanOrEqual(400);
    expect(body.status).toBeLessThan(500);
    const payload = `{"topic":"t","event_id":"e","timestamp":"2026-11-22T10:00:00Z","source":"s","payload":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`;
    const deep = await postJson('/publish', payload);
    expect(deep.status).toBe(422);
    expect(deep.body.details[0]).toMatchObject({ path: expect.stringMatching(/^events\[0\]\.payload/) });
  });

  it('keeps a payload holding the characters SQS refuses (U+FFFE, U+FFFF) and reads it back as sent', async () => {
    const topic = uniqueTopic('sqs-chars');
    const payload = { nonchar: 'a\uffffb\ufffe', astral: '𝄞😀', controls: '\u0000\u001b[31m', lone: '\ud800' };
    const event = makeEvent({ topic, payload });
    const answer = await postJson('/publish?wait=10', [event, makeEvent({ topic })]);
    expect(answer.status).toBe(200);
    const stored = await storedOf(topic);
    expect(stored.events.find((e: { event_id: string }) => e.event_id === event.event_id).payload).toEqual(payload);
  });
});

describe('nothing accepted is silently changed', () => {
  it('keeps every digit of a nanosecond timestamp, normalised to UTC, and orders by the full value', async () => {
    const topic = uniqueTopic('nanos');
    const sent = [
      makeEvent({ topic, event_id: 'c', timestamp: '2026-11-22T10:00:00.123456789Z' }),
      makeEvent({ topic, event_id: 'a', timestamp: '2026-11-22T10:00:00.123Z' }),
      makeEvent({ topic, event_id: 'b', timestamp: '2026-11-22T12:00:00.1234567+02:00' }),
      makeEvent({ topic, event_id: 'd', timestamp: '2026-11-22T10:00:00Z' }),
    ];
    expect((await postJson('/publish?wait=10', sent)).status).toBe(200);
    const stored = await storedOf(topic);
    expect(stored.events.map((e: { event_id: string; timestamp: string }) => [e.event_id, e.timestamp])).toEqual([
      ['d', '2026-11-22T10:00:00Z'],
      ['a', '2026-11-22T10:00:00.123Z'],
      ['b', '2026-11-22T10:00:00.1234567Z'],
      ['c', '2026-11-22T10:00:00.123456789Z'],
    ]);
  });

  it('takes since and until as inclusive bounds, to the nanosecond', async () => {
    const topic = uniqueTopic('range');
    const at = (nanos: string) => `2026-11-22T10:00:00.${nanos}Z`;
    const sent = ['000000001', '000000002', '000000003', '000000004'].map((n) => makeEvent({ topic, event_id: n, timestamp: at(n) }));
    expect((await postJson('/publish?wait=10', sent)).status).toBe(200);
    const inRange = await storedOf(topic, `&since=${at('000000002')}&until=${at('000000003')}`);
    expect(inRange.events.map((e: { event_id: string }) => e.event_id)).toEqual(['000000002', '000000003']);
  });

  it('refuses a blank topic, event_id or source with 422 naming it', async () => {
    for (const field of ['topic', 'event_id', 'source']) {
      const { status, body } = await postJson('/publish', makeEvent({ [field]: ' \u3000\u00a0 ' }));
      expect(status, field).toBe(422);
      expect(body.details).toContainEqual(expect.objectContaining({ path: `events[0].${field}` }));
    }
  });
});
