import { describe, expect, it } from 'vitest';
import { packEvents } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { topicSettled } from '../support/api.ts';
import { invokeProcess, processUntilApplied, sqsRecord } from '../support/aws.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

describe('the process function under injected slowness', () => {
  it('returns before its timeout, reports the unfinished messages, and the counts end exact', async () => {
    const topic = uniqueTopic('slow');
    // Five messages whose transactions each take 1.5 s: the local 5 s timeout cannot fit them all.
    const records = Array.from({ length: 5 }, (_, i) => {
      const events = [makeEvent({ topic, payload: { _idemlog_fault: { mode: 'slow', ms: 1500 } } }), makeEvent({ topic })];
      const [message] = packEvents(
        events.map((e) => eventSchema.parse(e)),
        { requestId: `${topic}-${i}`, eventsPerMessage: 10, eventsPerTransaction: 95 },
      );
      return sqsRecord(message!.body);
    });
    const started = performance.now();
    const first = await invokeProcess(records, 1);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(5000);
    expect(first.batchItemFailures.length).toBeGreaterThanOrEqual(2);
    expect(first.batchItemFailures.length).toBeLessThan(5);

    // As SQS would: deliver the failed messages again until none fails.
    await processUntilApplied(records.filter((r) => first.batchItemFailures.some((f) => f.itemIdentifier === r.messageId)));
    expect(await topicSettled(topic, 10)).toEqual({ received: 10, unique_processed: 10, duplicate_dropped: 0 });
  });
});
