import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsEventQueue } from '../../functions/adapters/sqs-queue.ts';
import { packEvents, readMessage } from '../../functions/domain/envelope.ts';
import { eventSchema } from '../../functions/domain/event.ts';
import { sqs } from '../support/aws.ts';
import { makeEvent } from '../support/events.ts';

let queueUrl: string;

beforeAll(async () => {
  ({ QueueUrl: queueUrl } = (await sqs.send(new CreateQueueCommand({ QueueName: `idemlog-it-${Date.now()}` }))) as { QueueUrl: string });
});
afterAll(async () => {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
});

describe('SqsEventQueue against the emulator', () => {
  it('enqueues packed messages in batches and every event arrives', async () => {
    const events = Array.from({ length: 230 }, () => eventSchema.parse(makeEvent()));
    const messages = packEvents(events, { requestId: 'it', eventsPerMessage: 10, eventsPerTransaction: 10 });
    const result = await new SqsEventQueue(sqs, queueUrl).sendAll(messages);
    expect(result.every((state) => state === 'enqueued')).toBe(true);

    const received = new Set<string>();
    for (let i = 0; i < 20 && received.size < events.length; i++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const message of Messages) {
        const read = readMessage(message.Body!, message.MessageId!);
        if (read.ok) for (const event of read.delivery.chunks.flatMap((chunk) => chunk.events)) received.add(event.event_id);
      }
    }
    expect(received).toEqual(new Set(events.map((e) => e.event_id)));
  });

  it('refuses a body holding U+FFFF, as AWS does; publish’s envelope carries it escaped and reads it back', async () => {
    const raw = JSON.stringify({ text: 'a\uffffb' });
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: raw }))).rejects.toThrow();
    const event = eventSchema.parse(makeEvent({ event_id: 'nonchar', payload: { text: 'a\uffffb\ufffe' } }));
    const states = await new SqsEventQueue(sqs, queueUrl).sendAll(
      packEvents([event], { requestId: 'chars', eventsPerMessage: 1, eventsPerTransaction: 1 }),
    );
    expect(states).toEqual(['enqueued']);
    for (let i = 0; i < 20; i++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const message of Messages) {
        const read = readMessage(message.Body!, message.MessageId!);
        const found = read.ok && read.delivery.chunks[0]!.events.find((e) => e.event_id === 'nonchar');
        if (found) {
          expect(found.payload).toEqual({ text: 'a\uffffb\ufffe' });
          return;
        }
      }
    }
    throw new Error('the message never arrived');
  });
});
