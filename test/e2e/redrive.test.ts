import { spawnSync } from 'node:child_process';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { packEvents } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { redrive } from '../../scripts/lib/redrive.ts';
import { projectRoot } from '../../scripts/lib/stack.ts';
import { stack, topicSettled } from '../support/api.ts';
import { sqs } from '../support/aws.ts';
import { makeEvent, uniqueTopic } from '../support/events.ts';

describe('redrive', () => {
  it('moves DLQ messages back, and they are counted exactly once, even if redriven twice', async () => {
    const topic = uniqueTopic('redrive');
    const events = [makeEvent({ topic }), makeEvent({ topic })].map((e) => eventSchema.parse(e));
    const [message] = packEvents([...events, events[1]!], { requestId: topic, eventsPerMessage: 10, eventsPerTransaction: 97 });
    // As if it had failed maxReceiveCount times: the same body sits in the DLQ.
    await sqs.send(new SendMessageCommand({ QueueUrl: stack.deadLetterQueueUrl, MessageBody: message!.body }));
    const first = await redrive(sqs, stack);
    expect(first.moved).toBeGreaterThanOrEqual(1);
    expect(first.failed).toBe(0);
    expect(await topicSettled(topic, 3)).toEqual({ received: 3, unique_processed: 2, duplicate_dropped: 1 });

    // A second copy of the same delivery (e.g. a redrive repeated after a lost delete) changes nothing.
    await sqs.send(new SendMessageCommand({ QueueUrl: stack.deadLetterQueueUrl, MessageBody: message!.body }));
    await redrive(sqs, stack);
    expect(await topicSettled(topic, 3)).toEqual({ received: 3, unique_processed: 2, duplicate_dropped: 1 });
  });

  it('npm run redrive refuses while fault injection is on', () => {
    const result = spawnSync('node', ['scripts/redrive.ts'], { cwd: projectRoot, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/fault injection is on/);
  });
});
