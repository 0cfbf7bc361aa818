import { beforeAll, describe, expect, it } from 'vitest';
import { api, publish, topicSettled } from '../support/api.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

const topic = uniqueTopic('events');
const other = uniqueTopic('events-other');
const count = 23;
const newest = '9999-12-31T23:59:59.999999999Z';

beforeAll(async () => {
  // Published out of order; /events must answer in timestamp order.
  const events = Array.from({ length: count }, (_, i) =>
    makeEvent({
      topic,
      event_id: `e${String(i).padStart(2, '0')}`,
      timestamp: new Date(Date.UTC(2030, 0, 1, 0, 0, count - i)).toISOString(),
    }),
  );
  await publish(events.reverse().slice(0, 10));
  await publish(events.slice(10));
  // The latest instant there is: no event of any run on the same emulator is newer.
  await publish(makeEvent({ topic: other, timestamp: newest }));
  await topicSettled(topic, count);
  await topicSettled(other, 1);
});

const get = (query: string) => api(`/events?${query}`);

describe('GET /events', () => {
  it('filters by topic, oldest first', async () => {
    const { status, body } = await get(`topic=${encodeURIComponent(topic)}&limit=1000`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ topic, count });
    expect(body.events.every((e: any) => e.topic === topic)).toBe(true);
    const stamps = body.events.map((e: any) => e.timestamp);
    expect(stamps).toEqual([...stamps].sort());
    expect(body.next_cursor).toBeNull();
  });

  it('honours limit exactly and the cursor walks every event exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const { body } = await get(`topic=${encodeURIComponent(topic)}&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(body.count).toBe(body.events.length);
      expect(body.count).toBe(body.next_cursor ? 5 : count % 5 || 5);
      seen.push(...body.events.map((e: any) => e.event_id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(count);
    expect(new Set(seen).size).toBe(count);
    expect(seen).toEqual([...seen].sort().reverse());
  });

  it('without a topic returns the most recent events across topics first', async () => {
    const { body } = await get('limit=2');
    expect(body.topic).toBeNull();
    expect(body.count).toBe(2);
    // Another run's event at the same instant may come first: the instant is what must.
    expect(body.events[0].timestamp).toBe(newest);
    expect(body.events[0].timestamp >= body.events[1].timestamp).toBe(true);
  });

  it('answers 400 for a bad limit or cursor', async () => {
    for (const query of ['limit=0', 'limit=1001', 'limit=ten', `topic=${'t'.repeat(300)}`, 'cursor=%%%']) {
      const { status, body } = await get(query);
      expect(status, query).toBe(400);
      expect(body).toMatchObject({ error: 'invalid_query', details: expect.any(Array) });
    }
  });
});

describe('GET /events by time, source and order', () => {
  const ranged = uniqueTopic('range');
  const at = (second: number) => new Date(Date.UTC(2031, 5, 1, 0, 0, second)).toISOString();

  beforeAll(async () => {
    const events = Array.from({ length: 12 }, (_, i) =>
      makeEvent({ topic: ranged, event_id: `r${i}`, timestamp: at(i), source: i % 3 ? 'web' : 'batch' }),
    );
    expect(
      (await api('/publish?wait=10', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) }))
        .status,
    ).toBe(200);
  });

  /** Every event of a query's pages, in order; of `onlyTopic` when given. */
  async function walk(query: string, onlyTopic?: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const { status, body } = await get(`${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(status).toBe(200);
      const events: Array<{ topic: string; event_id: string }> = body.events;
      ids.push(...events.filter((e) => onlyTopic === undefined || e.topic === onlyTopic).map((e) => e.event_id));
      cursor = body.next_cursor;
    } while (cursor);
    return ids;
  }

  it.each([
    ['asc', ['r3', 'r4', 'r5', 'r6', 'r7', 'r8']],
    ['desc', ['r8', 'r7', 'r6', 'r5', 'r4', 'r3']],
  ])('takes since and until as inclusive bounds, across pages, %s', async (order, expected) => {
    const ids = await walk(
      `topic=${encodeURIComponent(ranged)}&since=${at(3)}&until=${encodeURIComponent(at(8).replace('Z', '+00:00'))}&order=${order}`,
    );
    expect(ids).toEqual(expected);
  });

  it('filters by source, with or without a topic', async () => {
    expect(await walk(`topic=${encodeURIComponent(ranged)}&source=batch`)).toEqual(['r0', 'r3', 'r6', 'r9']);
    // Across topics: an earlier run on the same emulator may have stored its own r0…r9 at these times.
    const across = await walk(`source=batch&since=${at(0)}&until=${at(12)}`, ranged);
    expect(across).toEqual(['r9', 'r6', 'r3', 'r0']);
  });

  it('refuses a range that ends before it starts, and a cursor reused with other filters', async () => {
    const bad = await get(`topic=${encodeURIComponent(ranged)}&since=${at(5)}&until=${at(1)}`);
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ path: 'since', message: 'since must not be later than until' }]);
    const first = await get(`topic=${encodeURIComponent(ranged)}&limit=2`);
    const reused = await get(`topic=${encodeURIComponent(ranged)}&order=desc&limit=2&cursor=${first.body.next_cursor}`);
    expect(reused.status).toBe(400);
    expect(reused.body).toMatchObject({ error: 'invalid_query', details: [{ path: 'cursor' }] });
  });
});
