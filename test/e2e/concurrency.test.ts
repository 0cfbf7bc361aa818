import { describe, expect, it } from 'vitest';
import { packEvents } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { topicCounts } from '../support/api.ts';
import { processUntilApplied, sqsRecord } from '../support/aws.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';
import { expectPublishedOnce, publishFromClients } from '../support/load.ts';

describe('concurrency', () => {
  it('stores one event once when 50 clients publish it at the same time', async () => {
    const topic = uniqueTopic('publish-50');
    const load = await publishFromClients(makeEvent({ topic }), 50);
    await expectPublishedOnce(expect, topic, load, 50);
  });

  // The emulator's poller would serialise these; invoking the function directly makes them race.
  it('stores one event once when 50 process invocations carrying it run in parallel', async () => {
    const topic = uniqueTopic('invoke-50');
    const event = eventSchema.parse(makeEvent({ topic }));
    const records = Array.from({ length: 50 }, (_, i) =>
      sqsRecord(packEvents([event], { requestId: `${topic}-${i}`, eventsPerMessage: 1, eventsPerTransaction: 1 })[0]!.body),
    );
    // A cold start of 50 workers on two cores can leave one short of time: it reports its message
    // as failed (never half-done), and SQS would deliver it again.
    await Promise.all(records.map((record) => processUntilApplied([record])));
    await expect
      .poll(() => topicCounts(topic), { timeout: 15_000, interval: 250 })
      .toEqual({ received: 50, unique_processed: 1, duplicate_dropped: 49 });
  });
});
