import { describe, expect, it } from 'vitest';
import { packEvents } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { api, publish, stats, topicSettled } from '../support/api.ts';
import { invokeProcess, sqsRecord } from '../support/aws.ts';
import { eventually } from '../support/poll.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

const deliveries = 100;

describe('F3 concurrent deliveries of the same event', () => {
  it(`through the API: ${deliveries} concurrent publishes store it once, counters exact`, async () => {
    const topic = uniqueTopic('f3-api');
    const event = makeEvent({ topic });
    const replies = await Promise.all(Array.from({ length: deliveries }, () => publish(event)));
    expect(replies.every((r) => r.status === 202)).toBe(true);
    expect(await topicSettled(topic, deliveries, 180_000)).toEqual({ received: deliveries, unique_processed: 1, duplicate_dropped: deliveries - 1 });
    expect((await api(`/events?topic=${encodeURIComponent(topic)}`)).body.count).toBe(1);
  });

  it(`by invoking process directly: ${deliveries} parallel invocations store it once, counters exact`, async () => {
    const topic = uniqueTopic('f3-invoke');
    const event = eventSchema.parse(makeEvent({ topic }));
    const records = Array.from({ length: deliveries }, (_, i) =>
      sqsRecord(packEvents([event], { requestId: `${topic}-${i}`, eventsPerMessage: 1, eventsPerTransaction: 1 })[0]!.body),
    );
    const replies = await Promise.all(records.map((record) => invokeProcess([record])));
    expect(replies.flatMap((r) => r.batchItemFailures)).toEqual([]);
    const counters = await eventually(async () => (await stats()).topics[topic], 'the counters');
    expect(counters).toEqual({ received: deliveries, unique_processed: 1, duplicate_dropped: deliveries - 1 });
  });
});
