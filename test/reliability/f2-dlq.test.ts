import { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { clientsFor, deliveryLogs } from '../../scripts/lib/aws.ts';
import { redrive } from '../../scripts/lib/redrive.ts';
import { publish, stack, stats, topicCounts, topicSettled } from '../support/api.ts';
import { lambda, sqs } from '../support/aws.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

async function setFaultInjection(value: 'on' | 'off') {
  const current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: stack.processFunction }));
  const variables = { ...current.Environment?.Variables, FAULT_INJECTION: value };
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: stack.processFunction, Environment: { Variables: variables } }));
}

/** Finds a message in the DLQ by its body, leaving every other one there. */
async function takeFromDeadLetters(body: string): Promise<string | undefined> {
  for (let polls = 0; polls < 10; polls++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.deadLetterQueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 2, WaitTimeSeconds: 1 }),
    );
    const found = Messages.find((m) => m.Body === body);
    if (found) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: stack.deadLetterQueueUrl, ReceiptHandle: found.ReceiptHandle! }));
      return found.Body;
    }
  }
  return undefined;
}

describe('F2 a message that always fails', () => {
  it('lands in the DLQ after maxReceiveCount without holding back its batch, and a redrive after the fix counts it once', async () => {
    const topic = uniqueTopic('f2');
    const since = Date.now() - 1000;
    const before = await stats();
    const deadBefore = before.queue.dead_letter;
    // A message no release of publish wrote, sent straight to the queue as a user of awslocal might.
    const garbage = `not an event {${topic}`;
    await sqs.send(new SendMessageCommand({ QueueUrl: stack.queueUrl, MessageBody: garbage }));
    const poison = await publish([
      makeEvent({ topic, event_id: 'poison', payload: { _idemlog_fault: { mode: 'fail' } } }),
      makeEvent({ topic, event_id: 'rides-with-poison' }),
    ]);
    const healthy = await Promise.all(Array.from({ length: 9 }, (_, i) => publish([makeEvent({ topic, event_id: `ok-${i}` })])));
    expect([poison, ...healthy].map((r) => r.status)).toEqual(Array(10).fill(202));

    // The nine healthy messages are stored at once, whatever happens to the poison message.
    await expect.poll(async () => (await topicCounts(topic))?.received, { timeout: 60_000, interval: 250 }).toBe(9);
    await expect
      .poll(async () => (await stats()).queue.dead_letter, {
        message: 'the poison message and the garbage in the DLQ',
        timeout: 400_000,
        interval: 2000,
      })
      .toBeGreaterThanOrEqual(deadBefore + 2);

    const logs = await deliveryLogs(clientsFor(stack).logs, stack.processFunction, since);
    const poisonId = poison.body.request_id as string;
    const poisonReceives = logs.filter((l) => l.message === 'message failed' && l.reason?.includes(poisonId)).map((l) => l.receiveCount);
    expect(poisonReceives).toEqual(Array.from({ length: stack.maxReceiveCount }, (_, i) => i + 1));
    const healthyIds = healthy.map((r) => r.body.request_id as string);
    const healthyDeliveries = logs.filter((l) => l.message === 'message done' && healthyIds.some((id) => l.deliveryId?.startsWith(id)));
    expect(healthyDeliveries).toHaveLength(9);
    expect(healthyDeliveries.every((l) => l.receiveCount === 1)).toBe(true);
    expect(await topicCounts(topic)).toEqual({ received: 9, unique_processed: 9, duplicate_dropped: 0 });

    // The garbage is in the DLQ with its body intact, counted once in rejected; no event counter moved.
    const after = await stats();
    expect(after.rejected - before.rejected).toBe(1);
    expect(after.received - before.received).toBe(9);
    expect(await takeFromDeadLetters(garbage)).toBe(garbage);

    // The fix: the process function no longer fails the poison message. Then redrive.
    await setFaultInjection('off');
    try {
      const moved = await redrive(sqs, stack);
      expect(moved.moved).toBeGreaterThanOrEqual(1);
      expect(await topicSettled(topic, 11, 120_000)).toEqual({ received: 11, unique_processed: 11, duplicate_dropped: 0 });
    } finally {
      await setFaultInjection('on');
    }
  });
});
