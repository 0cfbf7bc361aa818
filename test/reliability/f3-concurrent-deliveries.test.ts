import { describe, expect, it } from 'vitest';
import { packEvents } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { topicCounts, topicSettled } from '../support/api.ts';
import { processUntilApplied, sqsRecord } from '../support/aws.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';
import { expectPublishedOnce, publishFromClients } from '../support/load.ts';

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

  it(`through the API with Idempotency-Keys: ${deliveries} racing clients, retrying after unknown outcomes, count exactly ${deliveries}`, async () => {
    const topic = uniqueTopic('f3-keys');
    const load = await publishFromClients(makeEvent({ topic }), deliveries, { idempotencyKeys: true });
    expect(load.abandoned).toBe(0);
    expect(load.accepted).toHaveLength(deliveries);
    expect(load.ambiguous).toBe(0);
    const counters = await topicSettled(topic, deliveries, 180_000);
    console.log(
      `F3 API with keys: statuses ${JSON.stringify(load.statuses)} over ${load.attempts} attempts, ${load.replayed} replayed; counters ${JSON.stringify(counters)}`,
    );
    expect(counters).toEqual({ received: deliveries, unique_processed: 1, duplicate_dropped: deliveries - 1 });
  });

  it(`by invoking process directly: ${deliveries} parallel invocations store it once, counters exact`, async () => {
    const topic = uniqueTopic('f3-invoke');
    const event = eventSchema.parse(makeEvent({ topic }));
    const records = Array.from({ length: deliveries }, (_, i) =>
      sqsRecord(packEvents([event], { requestId: `${topic}-${i}`, eventsPerMessage: 1, eventsPerTransaction: 1 })[0]!.body),
    );
    await Promise.all(records.map((record) => processUntilApplied([record])));
    await expect
      .poll(() => topicCounts(topic), { timeout: 15_000, interval: 250 })
      .toEqual({ received: deliveries, unique_processed: 1, duplicate_dropped: deliveries - 1 });
  });
});
