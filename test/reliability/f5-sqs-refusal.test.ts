import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { publish, topicSettled } from '../support/api.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

describe('F5 SQS refusing part of a batch', () => {
  it('answers 503 naming exactly the events not enqueued; the retry makes the counts exact', async () => {
    const topic = uniqueTopic('f5');
    const until = new Date(Date.now() + 4000).toISOString();
    // 300 events pack into three messages of 100; an event in the second asks SQS to refuse it for 4 s.
    const events = Array.from({ length: 300 }, (_, i) =>
      makeEvent({ topic, event_id: `e${i}`, payload: i === 150 ? { _idemlog_fault: { mode: 'refuse_enqueue', until } } : { i } }),
    );
    const first = await publish(events);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(first.body).toMatchObject({ error: 'not_enqueued', accepted: 200, request_id: expect.any(String) });
    const named = first.body.details.map((d: { index: number }) => d.index);
    expect(named).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
    expect(first.body.details[0]).toMatchObject({ index: 100, enqueued: 'no' });

    // The client retries just those, after the refusal has passed.
    await sleep(4500);
    const retry = await publish(named.map((index: number) => events[index]));
    expect(retry.status).toBe(202);
    expect(await topicSettled(topic, 300)).toEqual({ received: 300, unique_processed: 300, duplicate_dropped: 0 });
  });
});
