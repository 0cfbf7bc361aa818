import { describe, expect, it } from 'vitest';
import { packEvents } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { topicCounts } from '../support/api.ts';
import { invokeProcess, sqsRecord } from '../support/aws.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';
import { expectPublishedOnce, publishFromClients } from '../support/load.ts';
import { eventually } from '../support/poll.ts';

const deliveries = 100;

describe('F3 concurrent deliveries of the same event', () => {
  it(`through the API: ${deliveries} concurrent publishes store it once, counters exact`, async () => {
    const topic = uniqueTopic('f3-api');
    const load = await publishFromClients(makeEvent({ topic }), deliveries);
    const counters = await expectPublishedOnce(expect, topic, load, deliveries, 180_000);
    console.log(
      `F3 API: statuses ${JSON.stringify(load.statuses)} over ${load.attempts} attempts, ${load.ambiguous} with unknown outcome; counters ${JSON.stringify(counters)}`,
    );
  });

  it(`by invoking process directly: ${deliveries} parallel invocations store it once, counters exact`, async () => {
    const topic = uniqueTopic('f3-invoke');
    const event = eventSchema.parse(makeEvent({ topic }));
    const records = Array.from({ length: deliveries }, (_, i) =>
      sqsRecord(packEvents([event], { requestId: `${topic}-${i}`, eventsPerMessage: 1, eventsPerTransaction: 1 })[0]!.body),
    );
    const replies = await Promise.all(records.map((record) => invokeProcess([record])));
    expect(replies.flatMap((r) => r.batchItemFailures)).toEqual([]);
    const counters = await eventually(async () => await topicCounts(topic), 'the counters');
    expect(counters).toEqual({ received: deliveries, unique_processed: 1, duplicate_dropped: deliveries - 1 });
  });
});
