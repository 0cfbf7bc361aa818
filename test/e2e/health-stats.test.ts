import { describe, expect, it } from 'vitest';
import { api, publish, stats, topicSettled } from '../support/api.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';
import { document } from '../support/openapi.ts';

describe('GET /health and GET /stats', () => {
  it('reports the table and the queue as ok', async () => {
    const { status, body } = await api('/health');
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    for (const name of ['events_table', 'ledger_table', 'queue']) expect(body.checks[name]).toMatchObject({ status: 'ok' });
  });

  it('counts what was published, in the topic and in the totals, with a live clock', async () => {
    const topic = uniqueTopic('stats');
    const before = await stats();
    const events = [makeEvent({ topic }), makeEvent({ topic }), makeEvent({ topic })];
    expect((await publish({ events: [...events, events[0]] })).status).toBe(202);
    expect(await topicSettled(topic, 4)).toEqual({ received: 4, unique_processed: 3, duplicate_dropped: 1 });

    const { status, body } = await api('/stats');
    expect(status).toBe(200);
    // Other files' events may land in between: the totals moved by at least this request's.
    expect(body.received - before.received).toBeGreaterThanOrEqual(4);
    expect(body.unique_processed - before.unique_processed).toBeGreaterThanOrEqual(3);
    expect(body.duplicate_dropped - before.duplicate_dropped).toBeGreaterThanOrEqual(1);
    expect(body.queue).toEqual({ visible: 0, in_flight: 0, dead_letter: expect.any(Number) });
    const startedAt = Date.parse(body.started_at);
    expect(startedAt).toBeLessThanOrEqual(Date.now());
    expect(body.uptime_seconds).toBeGreaterThanOrEqual(Math.floor((Date.now() - startedAt) / 1000) - 5);
    expect(Date.parse(body.last_processed_at)).toBeGreaterThanOrEqual(Date.parse(before.last_processed_at ?? '1970-01-01T00:00:00Z'));
  });
});

describe('GET /openapi.json', () => {
  it('serves the description the tests check every answer against, without a key', async () => {
    const { status, body } = await api('/openapi.json', { anonymous: true });
    expect(status).toBe(200);
    expect(body).toEqual(JSON.parse(JSON.stringify(document)));
  });
});
