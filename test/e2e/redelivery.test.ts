import { describe, expect, it, vi } from 'vitest';
import { packEvents } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { publish, stats, topicCounts, topicSettled } from '../support/api.ts';
import { invokeProcess, sqsRecord } from '../support/aws.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

describe('redelivery', () => {
  it('counts the same SQS message processed twice once', async () => {
    const topic = uniqueTopic('twice-invoked');
    const events = [makeEvent({ topic }), makeEvent({ topic }), makeEvent({ topic })].map((e) => eventSchema.parse(e));
    const [message] = packEvents([...events, events[0]!], { requestId: topic, eventsPerMessage: 10, eventsPerTransaction: 97 });
    const record = sqsRecord(message!.body);
    await invokeProcess([record]);
    await invokeProcess([{ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } }]);
    await expect
      .poll(() => topicCounts(topic), { timeout: 15_000, interval: 250 })
      .toEqual({ received: 4, unique_processed: 3, duplicate_dropped: 1 });
  });

  it('counts a message once when SQS really redelivers it after a crash between write and acknowledgement', async () => {
    const topic = uniqueTopic('crash');
    const crashing = makeEvent({ topic, payload: { _idemlog_fault: { mode: 'crash_after_write', times: 1 } } });
    expect((await publish([crashing, makeEvent({ topic })])).status).toBe(202);
    // The first delivery commits then fails: the counters already show it while SQS still holds the message.
    await expect
      .poll(async () => (await topicCounts(topic))?.received, { message: 'the first delivery to commit', timeout: 60_000, interval: 250 })
      .toBe(2);
    // After the visibility timeout SQS delivers it again (receive count 2); the marker makes that a no-op.
    const settled = await vi.waitFor(
      async () => {
        const current = await stats();
        expect(current.queue.visible + current.queue.in_flight, 'the redelivery still unacknowledged').toBe(0);
        return topicCounts(topic);
      },
      { timeout: 120_000, interval: 1000 },
    );
    expect(settled).toEqual({ received: 2, unique_processed: 2, duplicate_dropped: 0 });
    expect(await topicSettled(topic, 2)).toEqual({ received: 2, unique_processed: 2, duplicate_dropped: 0 });
  });
});
