import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { packEvents } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { clientsFor, invocationMetrics, metricTotal } from '../../scripts/lib/aws.ts';
import { stack, topicSettled } from '../support/api.ts';
import { invokeProcess, processUntilApplied, sqs, sqsRecord } from '../support/aws.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

/** `count` messages of two events each, whose transactions each take `slowMs`. */
function slowMessages(topic: string, slowMs: number, count = 5) {
  return Array.from({ length: count }, (_, i) => {
    const events = [makeEvent({ topic, payload: { _idemlog_fault: { mode: 'slow', ms: slowMs } } }), makeEvent({ topic })];
    const [message] = packEvents(
      events.map((e) => eventSchema.parse(e)),
      { requestId: `${topic}-${i}`, eventsPerMessage: 10, eventsPerTransaction: 95 },
    );
    return message!;
  });
}

describe('the process function under injected slowness', () => {
  it('returns before its timeout, reports the unfinished messages, and the counts end exact', async () => {
    const topic = uniqueTopic('slow');
    // Five messages whose transactions each take 1.5 s: the local 5 s timeout cannot fit them all.
    const records = slowMessages(topic, 1500).map((message) => sqsRecord(message.body));
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

  it('gives the messages it had no time to start back to the queue at once, through the real trigger', async () => {
    const topic = uniqueTopic('released');
    const since = Date.now();
    // At 1.2 s a message, the local 5 s timeout leaves a batch's fourth and fifth unstarted (the
    // trigger's batch size is 5). MiniStack's trigger polls in a thread of its own, woken by the
    // first message queued, and may take a SendMessageBatch's first messages before the rest are
    // queued: five messages might go out in small batches. Fifteen keep its three concurrent
    // invocations busy, and the batches it takes after them are whole.
    const messages = slowMessages(topic, 1200, 15);
    for (const part of [messages.slice(0, 10), messages.slice(10)])
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: stack.queueUrl,
          Entries: part.map((message, i) => ({ Id: String(i), MessageBody: message.body })),
        }),
      );
    expect(await topicSettled(topic, 30)).toEqual({ received: 30, unique_processed: 30, duplicate_dropped: 0 });

    const invocations = await invocationMetrics(clientsFor(stack).logs, stack.processFunction, since);
    expect(metricTotal(invocations, 'MessagesNotStarted')).toBeGreaterThan(0);
    expect(metricTotal(invocations, 'MessagesReleased')).toBe(
      metricTotal(invocations, 'MessagesNotStarted') + metricTotal(invocations, 'MessagesCutShort'),
    );
  });

  it('gives a message the deadline cut short back to the queue at once: what it committed stays, the next delivery finishes it', async () => {
    const topic = uniqueTopic('cut-short');
    const slow = () => makeEvent({ topic, payload: { _idemlog_fault: { mode: 'slow', ms: 1000 } } });
    // One batch: a message of one slow chunk, then one of five one-event chunks at 1 s each, which
    // starts with about 4 s left of the local 5 s timeout and cannot finish.
    const [first] = packEvents([eventSchema.parse(slow())], { requestId: `${topic}-first`, eventsPerMessage: 10, eventsPerTransaction: 1 });
    const [second] = packEvents(
      Array.from({ length: 5 }, () => eventSchema.parse(slow())),
      { requestId: `${topic}-second`, eventsPerMessage: 10, eventsPerTransaction: 1 },
    );
    expect(second!.chunks).toHaveLength(5);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: stack.queueUrl, AttributeNames: ['VisibilityTimeout'] }),
    );
    const visibilityTimeoutMs = Number(Attributes?.VisibilityTimeout) * 1000;
    expect(visibilityTimeoutMs).toBeGreaterThan(10_000);
    const since = Date.now();
    const entries = [first!, second!].map((message, i) => ({ Id: String(i), MessageBody: message.body }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: stack.queueUrl, Entries: entries }));
    expect(await topicSettled(topic, 6)).toEqual({ received: 6, unique_processed: 6, duplicate_dropped: 0 });
    // Waiting out the visibility timeout (30 s locally) would take longer than this.
    expect(Date.now() - since).toBeLessThan(visibilityTimeoutMs);

    const invocations = await invocationMetrics(clientsFor(stack).logs, stack.processFunction, since);
    expect(metricTotal(invocations, 'MessagesCutShort')).toBeGreaterThan(0);
    expect(metricTotal(invocations, 'MessagesReleased')).toBe(metricTotal(invocations, 'MessagesCutShort'));
  });
});
