import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { byTopicIndex, topicLaneKey, topicLanes } from '../../functions/adapters/items.ts';
import { api, everyTopicCounts, publish, stack, stats, topicCounts } from '../support/api.ts';
import { dynamo } from '../support/aws.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

/** AWS Lambda refuses a synchronous response over 6 MB (API Gateway then answers 502); the emulator does not. */
const lambdaResponseLimit = 6 * 1024 * 1024;

describe('real-world shapes through the deployed API', () => {
  it('counts 6,000 distinct topics with 200-character names exactly, and still answers /stats and /events', async () => {
    const run = randomUUID().slice(0, 8);
    const topics = Array.from({ length: 6000 }, (_, i) => `scale.${run}.${String(i).padStart(5, '0')}.`.padEnd(200, 'x'));
    const before = await stats();
    for (let start = 0; start < topics.length; start += 500) {
      const events = topics.slice(start, start + 500).map((topic) => makeEvent({ topic, event_id: 'only' }));
      const { status } = await publish(events);
      expect(status).toBe(202);
    }
    const after = await vi.waitFor(
      async () => {
        const now = await stats();
        expect(now.received - before.received, 'events counted').toBeGreaterThanOrEqual(topics.length);
        expect(now.queue.visible + now.queue.in_flight, 'messages still queued').toBe(0);
        return now;
      },
      { timeout: 240_000, interval: 1000 },
    );
    expect(after.received - before.received).toBe(topics.length);
    expect(after.unique_processed - before.unique_processed).toBe(topics.length);
    expect(after.queue.dead_letter).toBe(before.queue.dead_letter);
    const counted = await everyTopicCounts();
    for (const topic of topics) expect(counted[topic], topic).toEqual({ received: 1, unique_processed: 1, duplicate_dropped: 0 });
    const recent = await api('/events?limit=10');
    expect(recent.status).toBe(200);
    expect(recent.body.count).toBe(10);
  });

  it('keeps a page of 40 events of 190 KiB under the 6 MB Lambda response limit, and the cursor walks each event once', async () => {
    const topic = uniqueTopic('big');
    const events = Array.from({ length: 40 }, (_, i) =>
      makeEvent({
        topic,
        event_id: `big-${i}`,
        timestamp: new Date(Date.UTC(2026, 10, 22, 12, 0, i)).toISOString(),
        payload: { blob: 'x'.repeat(190 * 1024) },
      }),
    );
    for (let start = 0; start < events.length; start += 20) expect((await publish(events.slice(start, start + 20))).status).toBe(202);
    await expect
      .poll(async () => (await topicCounts(topic))?.unique_processed, { message: 'the big events stored', timeout: 120_000, interval: 250 })
      .toBe(40);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await api(`/events?topic=${encodeURIComponent(topic)}&limit=50${cursor ? `&cursor=${cursor}` : ''}`);
      const { text } = response;
      expect(response.status).toBe(200);
      expect(Buffer.byteLength(text)).toBeLessThan(lambdaResponseLimit);
      const body = JSON.parse(text);
      expect(body.count).toBe(body.events.length);
      expect(body.count).toBeGreaterThan(0);
      seen.push(...body.events.map((e: { event_id: string }) => e.event_id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(events.map((e) => e.event_id));
  });

  it('spreads one hot topic over every lane evenly, and still pages it in time order', async () => {
    const topic = uniqueTopic('hot');
    const total = 3200;
    const events = Array.from({ length: total }, (_, i) =>
      makeEvent({
        topic,
        event_id: `hot-${String(i).padStart(5, '0')}`,
        timestamp: new Date(Date.UTC(2026, 10, 22, 13, 0, 0, i)).toISOString(),
      }),
    );
    for (let start = 0; start < total; start += 500) expect((await publish(events.slice(start, start + 500))).status).toBe(202);
    await expect
      .poll(async () => (await topicCounts(topic))?.unique_processed, { message: 'the hot topic stored', timeout: 180_000, interval: 250 })
      .toBe(total);

    const perLane = await Promise.all(
      Array.from({ length: topicLanes }, async (_, lane) => {
        const { Count } = await dynamo.send(
          new QueryCommand({
            TableName: stack.eventsTable,
            IndexName: byTopicIndex,
            KeyConditionExpression: 'topic_lane = :lane',
            ExpressionAttributeValues: { ':lane': topicLaneKey(topic, lane) },
            Select: 'COUNT',
          }),
        );
        return Count ?? 0;
      }),
    );
    expect(perLane.reduce((a, b) => a + b, 0)).toBe(total);
    const mean = total / topicLanes;
    for (const count of perLane) expect(Math.abs(count - mean) / mean).toBeLessThanOrEqual(0.1);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const { body }: { body: { count: number; events: Array<{ event_id: string }>; next_cursor: string | null } } = await api(
        `/events?topic=${encodeURIComponent(topic)}&limit=250${cursor ? `&cursor=${cursor}` : ''}`,
      );
      if (body.next_cursor) expect(body.count).toBe(250);
      seen.push(...body.events.map((e) => e.event_id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(events.map((e) => e.event_id));
  });
});
